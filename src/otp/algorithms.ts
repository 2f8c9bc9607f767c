/** The HMAC hash functions RFC 6238 allows, spelled as `node:crypto` spells them. */
export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** Every supported algorithm, in the order people usually list them. */
export const OTP_ALGORITHMS: readonly OtpAlgorithm[] = ['sha1', 'sha256', 'sha512'];

/** The RFC defaults and what authenticator apps assume when a Key URI says nothing. */
export const DEFAULT_ALGORITHM: OtpAlgorithm = 'sha1';
export const DEFAULT_DIGITS = 6;
export const DEFAULT_PERIOD_SECONDS = 30;

/** 10^0 … 10^8, so truncation never calls `Math.pow` on the hot path. */
export const POWERS_OF_TEN: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * Reads an algorithm name case-insensitively (`SHA256` in a Key URI, `sha256` on the command line).
 * Returns `undefined` for anything else so each caller can word its own error.
 */
export function parseAlgorithm(name: string): OtpAlgorithm | undefined {
  const lower = name.toLowerCase();
  return lower === 'sha1' || lower === 'sha256' || lower === 'sha512' ? lower : undefined;
}

export function assertAlgorithm(algorithm: unknown): asserts algorithm is OtpAlgorithm {
  if (algorithm !== 'sha1' && algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new TypeError(`algorithm must be sha1, sha256 or sha512, not ${describe(algorithm)}`);
  }
}

/**
 * RFC 4226 §5.3 needs at least 6 digits; 8 is the most RFC 6238 uses, and with more a 31-bit
 * truncated value no longer covers every code evenly.
 */
export function assertDigits(digits: unknown): asserts digits is 6 | 7 | 8 {
  if (digits !== 6 && digits !== 7 && digits !== 8) {
    throw new TypeError(`digits must be 6, 7 or 8, not ${describe(digits)}`);
  }
}

export function assertPeriodSeconds(periodSeconds: unknown): asserts periodSeconds is number {
  if (typeof periodSeconds !== 'number' || !Number.isSafeInteger(periodSeconds) || periodSeconds < 1) {
    throw new TypeError(`periodSeconds must be a positive whole number, not ${describe(periodSeconds)}`);
  }
}

/** Counters and time steps: whole, not negative, exactly representable. */
export function assertCounter(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a whole number from 0 to 2^53 - 1, not ${describe(value)}`);
  }
}

export function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
