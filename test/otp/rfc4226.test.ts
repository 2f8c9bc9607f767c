import { describe, expect, test } from 'vitest';
import { dynamicTruncate, hmacOfCounter } from '../../src/otp/hmac.js';
import { generateHotp } from '../../src/otp/index.js';
import { RFC4226_APPENDIX_D, RFC4226_SECRET } from './vectors.js';

const secret = Buffer.from(RFC4226_SECRET, 'ascii');

describe('RFC 4226 Appendix D', () => {
  for (const vector of RFC4226_APPENDIX_D) {
    test(`RFC 4226 Appendix D – Table 1 HMAC-SHA-1 at count ${vector.count}`, () => {
      expect(hmacOfCounter(secret, vector.count, 'sha1').toString('hex')).toBe(vector.hmacSha1);
    });

    test(`RFC 4226 Appendix D – Table 2 truncation at count ${vector.count}`, () => {
      const truncated = dynamicTruncate(Buffer.from(vector.hmacSha1, 'hex'));
      expect(truncated).toBe(vector.truncatedDecimal);
      expect(truncated.toString(16)).toBe(vector.truncatedHex);
    });

    test(`RFC 4226 Appendix D – HOTP at count ${vector.count}`, () => {
      expect(generateHotp({ secret, counter: vector.count })).toBe(vector.hotp);
    });
  }

  test('RFC 4226 Appendix D – the secret given as base32 gives the same codes', () => {
    const base32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(RFC4226_APPENDIX_D.map((v) => generateHotp({ secret: base32, counter: v.count }))).toEqual(
      RFC4226_APPENDIX_D.map((v) => v.hotp),
    );
  });
});

describe('RFC 4226 §5.3 example', () => {
  test('RFC 4226 §5.3 – dynamic truncation of the example HMAC gives 0x50ef7f19', () => {
    const mac = Buffer.from('1f8698690e02ca16618550ef7f19da8e945b555a', 'hex');
    expect(dynamicTruncate(mac)).toBe(0x50ef7f19);
    expect(dynamicTruncate(mac) % 1e6).toBe(872921);
  });
});

describe('generateHotp arguments', () => {
  test('counters above 2^32 use the high half of the 8-byte counter', () => {
    // 108930 is what `oathtool --hotp -c 4294967297` prints for this secret; had the high 32 bits
    // been dropped, 2^32 + 1 would give the code of count 1 (287082).
    expect(generateHotp({ secret, counter: 2 ** 32 + 1 })).toBe('108930');
  });

  test.each([
    [{ counter: -1 }, /counter must be a whole number/],
    [{ counter: 1.5 }, /counter must be a whole number/],
    [{ counter: 2 ** 53 }, /counter must be a whole number/],
    [{ counter: 0, digits: 9 }, /digits must be 6, 7 or 8, not 9/],
    [{ counter: 0, digits: 5 }, /digits must be 6, 7 or 8, not 5/],
    [{ counter: 0, algorithm: 'md5' }, /algorithm must be sha1, sha256 or sha512, not "md5"/],
  ])('throws TypeError for programmer errors: %o', (options, message) => {
    expect(() => generateHotp({ secret, ...(options as { counter: number }) })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});
