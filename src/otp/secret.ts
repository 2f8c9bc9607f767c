import { randomBytes } from 'node:crypto';
import { decodeBase32 } from './base32.js';

/**
 * A shared secret: raw bytes, or the same bytes as base32 text (decoded on every call, so pass
 * bytes where speed matters).
 */
export type OtpSecret = Uint8Array | string;

/** 160 bits: what RFC 4226 §4 recommends and what authenticator apps expect (32 base32 characters). */
export const SECRET_BYTES = 20;

/**
 * A new random secret for an authenticator, from the operating system's CSPRNG.
 *
 * @see RFC 4226 §4 (R6: at least 128 bits, 160 recommended) and §7.5 (random generation)
 */
export function generateSecret(): Uint8Array {
  return randomBytes(SECRET_BYTES);
}

/** The secret's bytes; base32 text is decoded. Malformed or empty secrets throw `TypeError`. */
export function secretBytes(secret: OtpSecret): Uint8Array {
  const bytes = typeof secret === 'string' ? decodeBase32(secret) : secret;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('secret must be a Uint8Array or a base32 string');
  // An empty key still yields codes (HMAC allows it), so a secret lost on the way would go unnoticed.
  if (bytes.length === 0) throw new TypeError('secret must not be empty');
  return bytes;
}
