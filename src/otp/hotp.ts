import {
  assertAlgorithm,
  assertCounter,
  assertDigits,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  type OtpAlgorithm,
  POWERS_OF_TEN,
} from './algorithms.js';
import { dynamicTruncate, hmacOfCounter } from './hmac.js';
import { type OtpSecret, secretBytes } from './secret.js';

export interface GenerateHotpOptions {
  readonly secret: OtpSecret;
  /** The moving factor: a whole number from 0 to 2^53 - 1. */
  readonly counter: number;
  /** Default `sha1`. */
  readonly algorithm?: OtpAlgorithm;
  /** 6, 7 or 8; default 6. */
  readonly digits?: number;
}

/**
 * The HOTP code for one counter value, zero-padded to `digits`.
 * Throws `TypeError` for a bad algorithm, digit count, counter or secret.
 *
 * @see RFC 4226 §5.3 (generating an HOTP value)
 */
export function generateHotp({
  secret,
  counter,
  algorithm = DEFAULT_ALGORITHM,
  digits = DEFAULT_DIGITS,
}: GenerateHotpOptions): string {
  assertAlgorithm(algorithm);
  assertDigits(digits);
  assertCounter('counter', counter);
  return formatCode(hotpValue(secretBytes(secret), counter, algorithm, POWERS_OF_TEN[digits]!), digits);
}

/**
 * The code as a number below `modulus` (10^digits); arguments are trusted, checks are the caller's.
 *
 * @see RFC 4226 §5.3
 */
export function hotpValue(
  key: Uint8Array,
  counter: number,
  algorithm: OtpAlgorithm,
  modulus: number,
): number {
  return dynamicTruncate(hmacOfCounter(key, counter, algorithm)) % modulus;
}

/** A code as people type it: leading zeros kept. */
export function formatCode(value: number, digits: number): string {
  return String(value).padStart(digits, '0');
}
