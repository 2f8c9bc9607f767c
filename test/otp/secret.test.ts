import { describe, expect, test } from 'vitest';
import { encodeBase32, generateSecret, SECRET_BYTES } from '../../src/otp/index.js';

describe('generateSecret', () => {
  test('gives 20 bytes, 32 base32 characters (RFC 4226 §4: 160 bits recommended)', () => {
    const secret = generateSecret();
    expect(SECRET_BYTES).toBe(20);
    expect(secret).toBeInstanceOf(Uint8Array);
    expect(secret.length).toBe(20);
    expect(encodeBase32(secret)).toMatch(/^[A-Z2-7]{32}$/);
  });

  test('gives a different secret each time', () => {
    const seen = new Set(Array.from({ length: 100 }, () => encodeBase32(generateSecret())));
    expect(seen.size).toBe(100);
  });
});
