import { createHmac } from 'node:crypto';
import type { OtpAlgorithm } from './algorithms.js';

/**
 * The 8-byte big-endian counter, reused: the functions here are synchronous, so no two calls can
 * share it at the same time, and a counter is not secret.
 */
const counterBytes = Buffer.alloc(8);

/**
 * HMAC(key, counter) as RFC 4226 §5.2 defines it: the counter as 8 bytes, big-endian.
 * The counter must be a safe integer (checked by the callers that take it from outside).
 *
 * @see RFC 4226 §5.2
 */
export function hmacOfCounter(key: Uint8Array, counter: number, algorithm: OtpAlgorithm): Buffer {
  // Two 32-bit halves: bit operators work on 32 bits only, and a time step may need more.
  counterBytes.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 0);
  counterBytes.writeUInt32BE(counter >>> 0, 4);
  return createHmac(algorithm, key).update(counterBytes).digest();
}

/**
 * Dynamic truncation: 31 bits taken at the offset named by the last nibble of the HMAC.
 *
 * @see RFC 4226 §5.3
 */
export function dynamicTruncate(mac: Uint8Array): number {
  const offset = mac[mac.length - 1]! & 0x0f;
  return (
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  );
}
