/** Why a datagram got no answer. */
export type DropReason =
  /** Too short, a wrong Length, broken attributes, or a password the package cannot decrypt. */
  | 'malformed'
  /** Not an Access-Request (accounting, Status-Server, CoA, …). */
  | 'unsupported_code'
  /** From an address in no RADIUS client's networks. */
  | 'unknown_client'
  /** An Access-Request without a Message-Authenticator (required: Blast-RADIUS). */
  | 'missing_message_authenticator'
  /** A Message-Authenticator that no matching client's secret produces: a wrong shared secret. */
  | 'bad_message_authenticator'
  /** Twofold could not work out an answer (the database is down): the client will retry. */
  | 'error';

export const DROP_REASONS: readonly DropReason[] = [
  'malformed',
  'unsupported_code',
  'unknown_client',
  'missing_message_authenticator',
  'bad_message_authenticator',
  'error',
];

/**
 * What the RADIUS server has seen since it started, for the metrics: plain numbers, read when
 * scraped. Duplicates are retransmissions answered from the duplicate cache.
 */
export interface RadiusCounters {
  received: number;
  accepted: number;
  rejected: number;
  challenged: number;
  duplicates: number;
  readonly dropped: Record<DropReason, number>;
}

export function newRadiusCounters(): RadiusCounters {
  return {
    received: 0,
    accepted: 0,
    rejected: 0,
    challenged: 0,
    duplicates: 0,
    dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>,
  };
}
