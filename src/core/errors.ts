/**
 * Every denial a person must see, by name. The HTTP layer maps `status` to the response and
 * shows `message`; anything that is not a TwofoldError is a bug and is logged, not shown.
 */
export type TwofoldErrorCode =
  | 'invalid_input'
  | 'invalid_credentials'
  | 'second_factor_required'
  | 'invalid_code'
  | 'throttled'
  | 'locked'
  | 'reauthentication_required'
  | 'step_up_required'
  | 'enrollment_required'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'expired'
  | 'csrf'
  | 'payload_too_large'
  | 'unavailable'
  /** An external identity provider could not be reached, or answered wrongly. */
  | 'provider_failed';

const statusByCode: Record<TwofoldErrorCode, number> = {
  invalid_input: 400,
  invalid_credentials: 401,
  second_factor_required: 401,
  invalid_code: 401,
  throttled: 429,
  locked: 423,
  reauthentication_required: 401,
  step_up_required: 401,
  enrollment_required: 401,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  expired: 410,
  csrf: 403,
  payload_too_large: 413,
  unavailable: 503,
  provider_failed: 502,
};

export interface TwofoldErrorOptions {
  readonly cause?: unknown;
  /** For `throttled`: how long the caller must wait, in seconds. */
  readonly retryAfterSeconds?: number;
  /** For `invalid_input`: the field at fault. */
  readonly field?: string;
}

export class TwofoldError extends Error {
  override readonly name = 'TwofoldError';
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly field: string | undefined;

  constructor(
    readonly code: TwofoldErrorCode,
    message: string,
    options: TwofoldErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = statusByCode[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
  }
}

export const isTwofoldError = (error: unknown): error is TwofoldError => error instanceof TwofoldError;
