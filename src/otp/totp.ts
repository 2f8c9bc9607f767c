import {
  assertAlgorithm,
  assertDigits,
  assertPeriodSeconds,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  describe,
  type OtpAlgorithm,
  POWERS_OF_TEN,
} from './algorithms.js';
import { formatCode, hotpValue } from './hotp.js';
import { type OtpSecret, secretBytes } from './secret.js';

export interface TotpTimeStepOptions {
  /** The instant, in milliseconds since the Unix epoch (what `Clock.now()` returns). */
  readonly atMillis: number;
  /** Default 30. */
  readonly periodSeconds?: number;
}

export interface GenerateTotpOptions extends TotpTimeStepOptions {
  readonly secret: OtpSecret;
  /** Default `sha1`. */
  readonly algorithm?: OtpAlgorithm;
  /** 6, 7 or 8; default 6. */
  readonly digits?: number;
}

/**
 * The time step T = floor((unix time - T0) / X) with T0 = 0, the only T0 authenticator apps use.
 *
 * @see RFC 6238 §4.2
 */
export function totpTimeStep({
  atMillis,
  periodSeconds = DEFAULT_PERIOD_SECONDS,
}: TotpTimeStepOptions): number {
  assertPeriodSeconds(periodSeconds);
  return timeStepAt(atMillis, periodSeconds);
}

/**
 * The TOTP code at an instant, zero-padded to `digits`. The time is always passed in: this
 * module never reads the clock, so callers (and tests) decide what "now" is.
 * Throws `TypeError` for a bad algorithm, digit count, period, time or secret.
 *
 * @see RFC 6238 §4 (algorithm) and §1.2 (SHA-256 and SHA-512 variants)
 */
export function generateTotp({
  secret,
  atMillis,
  algorithm = DEFAULT_ALGORITHM,
  digits = DEFAULT_DIGITS,
  periodSeconds = DEFAULT_PERIOD_SECONDS,
}: GenerateTotpOptions): string {
  assertAlgorithm(algorithm);
  assertDigits(digits);
  assertPeriodSeconds(periodSeconds);
  const step = timeStepAt(atMillis, periodSeconds);
  return formatCode(hotpValue(secretBytes(secret), step, algorithm, POWERS_OF_TEN[digits]!), digits);
}

/** The step for an instant; `periodSeconds` must already be checked. */
export function timeStepAt(atMillis: number, periodSeconds: number): number {
  if (typeof atMillis !== 'number' || !Number.isFinite(atMillis) || atMillis < 0) {
    throw new TypeError(`atMillis must be milliseconds since 1970 (0 or more), not ${describe(atMillis)}`);
  }
  return Math.floor(atMillis / (periodSeconds * 1000));
}
