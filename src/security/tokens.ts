import { hash, randomBytes, randomUUID } from 'node:crypto';

// 128 bits is the least for a bearer secret that is stored only as a fast hash (see `hashToken`).
const MIN_TOKEN_BYTES = 16;

/**
 * A random bearer secret (session id, API token, one-time link), base64url so it fits in cookies
 * and URLs unescaped.
 *
 * @param bytes - Random bytes in the token; 32 (256 bits) by default, at least 16.
 * @throws {TypeError} When `bytes` is not an integer of at least 16.
 */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_TOKEN_BYTES) {
    throw new TypeError(`A token needs an integer number of random bytes, at least ${MIN_TOKEN_BYTES}`);
  }
  return randomBytes(bytes).toString('base64url');
}

/**
 * The form in which a token is stored and looked up: SHA-256, as hex. A database dump then holds
 * no usable token. A fast unsalted hash is right here, unlike for passwords: a token has at least
 * 128 random bits, so there is nothing to guess and no dictionary to precompute, and a
 * deterministic hash lets the store find a token by an indexed equality lookup.
 *
 * @throws {TypeError} When `token` is not a string.
 */
export function hashToken(token: string): string {
  if (typeof token !== 'string') throw new TypeError('A token must be a string');
  // One-shot: every authenticated request hashes its token, and createHash builds a stream
  // object around the native hash first (measured with `npm run bench`).
  return hash('sha256', token, 'hex');
}

/** A random UUID (v4) for a row's primary key: unguessable and unique across instances. */
export function randomId(): string {
  return randomUUID();
}
