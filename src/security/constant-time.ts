import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Fresh per process: the digests compared below cannot be predicted or precomputed by anyone.
const compareKey = randomBytes(32);

function digest(value: string): Buffer {
  return createHmac('sha256', compareKey).update(value, 'utf8').digest();
}

/**
 * Whether two strings are equal, without revealing where they differ or how long the other one
 * is. `crypto.timingSafeEqual` alone throws on unequal lengths, and checking the length first
 * would reveal it; comparing fixed-length HMACs of both strings reveals neither. Hashing each
 * string takes time in proportion to its own length only, which for tokens and codes is public.
 * Equal HMACs mean equal strings, as HMAC-SHA256 has no known collisions.
 *
 * @throws {TypeError} When either argument is not a string.
 */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') throw new TypeError('Both values must be strings');
  return timingSafeEqual(digest(a), digest(b));
}
