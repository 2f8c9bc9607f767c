import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decodeBase32, encodeBase32 } from '../../src/otp/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('RFC 4648 §10 – test vectors', () => {
  const vectors: ReadonlyArray<readonly [string, string]> = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];
  for (const [plain, encoded] of vectors) {
    test(`RFC 4648 §10 – BASE32("${plain}") = "${encoded}"`, () => {
      expect(encodeBase32(Buffer.from(plain))).toBe(encoded);
      expect(hex(decodeBase32(encoded))).toBe(Buffer.from(plain).toString('hex'));
    });
  }
});

describe('base32 round trips', () => {
  test('every length from 0 to 64 bytes, with and without padding', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = randomBytes(length);
      const padded = encodeBase32(bytes);
      const bare = encodeBase32(bytes, { padding: false });
      expect(padded.length % 8).toBe(0);
      expect(bare).toBe(padded.replace(/=+$/, ''));
      expect(hex(decodeBase32(padded))).toBe(bytes.toString('hex'));
      expect(hex(decodeBase32(bare))).toBe(bytes.toString('hex'));
    }
  });

  test('20 bytes are 32 characters, no padding needed', () => {
    expect(encodeBase32(randomBytes(20))).toMatch(/^[A-Z2-7]{32}$/);
  });
});

describe('decodeBase32 tolerance', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  test.each([
    ['lower case', secret.toLowerCase(), '12345678901234567890'],
    ['mixed case', 'gEzDgNbVgY3tQoJqGeZdGnBvGy3TqOjQ', '12345678901234567890'],
    ['spaces in groups of four', 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ', '12345678901234567890'],
    ['leading and trailing spaces', `  ${secret}  `, '12345678901234567890'],
    ['no padding', 'MZXW6YTBOI', 'foobar'],
    ['padding with spaces around', 'MZXW 6YTB OI== ====', 'foobar'],
  ])('accepts %s', (_name, text, plain) => {
    expect(hex(decodeBase32(text))).toBe(Buffer.from(plain).toString('hex'));
  });
});

describe('decodeBase32 rejects everything else with a TypeError naming it', () => {
  test.each([
    ['GEZ1', /invalid base32 character "1" at position 4/],
    ['GEZ8', /invalid base32 character "8" at position 4/],
    ['GEZDGNB-', /invalid base32 character "-" at position 8/],
    ['GEZD\tGNBV', /invalid base32 character "\\t" at position 5/],
    ['GEZDGNBÄ', /invalid base32 character "Ä" at position 8/],
    ['GEZDGNB😀', /invalid base32 character "😀" at position 8/],
    ['MY==MZXQ', /base32 padding "=" at position 3 is not at the end/],
    ['MY=', /padding of 1 "=" does not fill the last group/],
    ['M', /base32 text of 1 characters is truncated/],
    ['MZX', /base32 text of 3 characters is truncated/],
    ['MZXW6Y', /base32 text of 6 characters is truncated/],
  ])('%j', (text, message) => {
    expect(() => decodeBase32(text)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});
