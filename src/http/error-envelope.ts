import { STATUS_CODES } from 'node:http';

/**
 * The body of every API error (seed 001's exact shape): `identity` is always null and `title`
 * is the HTTP reason phrase. `reason` is our machine-readable addition.
 */
export interface ErrorEnvelope {
  readonly error: {
    readonly message: string;
    readonly code: number;
    readonly identity: null;
    readonly title: string;
    readonly reason?: string;
    readonly field?: string;
  };
}

export function errorEnvelope(
  status: number,
  message: string,
  extra: { reason?: string | undefined; field?: string | undefined } = {},
): ErrorEnvelope {
  return {
    error: {
      message,
      code: status,
      identity: null,
      title: STATUS_CODES[status] ?? 'Error',
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
      ...(extra.field === undefined ? {} : { field: extra.field }),
    },
  };
}
