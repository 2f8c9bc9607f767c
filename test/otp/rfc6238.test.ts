import { describe, expect, test } from 'vitest';
import { generateTotp, totpTimeStep, verifyTotp } from '../../src/otp/index.js';
import { RFC6238_APPENDIX_B, RFC6238_SECRETS } from './vectors.js';

describe('RFC 6238 Appendix B', () => {
  for (const vector of RFC6238_APPENDIX_B) {
    const name = `${vector.algorithm.toUpperCase()} at ${vector.time}`;
    const secret = Buffer.from(RFC6238_SECRETS[vector.algorithm], 'ascii');
    const atMillis = vector.time * 1000;

    test(`RFC 6238 Appendix B – ${name}`, () => {
      expect(generateTotp({ secret, atMillis, algorithm: vector.algorithm, digits: 8 })).toBe(vector.totp);
    });

    test(`RFC 6238 Appendix B – ${name}: time step T = 0x${vector.stepHex}`, () => {
      expect(totpTimeStep({ atMillis })).toBe(Number.parseInt(vector.stepHex, 16));
      expect(new Date(atMillis).toISOString().replace('T', ' ').slice(0, 19)).toBe(vector.utc);
    });

    test(`RFC 6238 Appendix B – ${name}: verified in the current step`, () => {
      expect(
        verifyTotp({ code: vector.totp, secret, atMillis, algorithm: vector.algorithm, digits: 8 }),
      ).toEqual({ valid: true, timeStep: Number.parseInt(vector.stepHex, 16), delta: 0 });
    });
  }
});

describe('generateTotp arguments', () => {
  const secret = Buffer.from(RFC6238_SECRETS.sha1, 'ascii');

  test('the period divides the time: 60 s steps give the code of step T/2', () => {
    // At 1111111109 s, 30 s steps give T = 0x23523EC; 60 s steps give half that.
    const step = 0x23523ec >> 1;
    expect(totpTimeStep({ atMillis: 1111111109_000, periodSeconds: 60 })).toBe(step);
    expect(generateTotp({ secret, atMillis: 1111111109_000, periodSeconds: 60, digits: 8 })).toBe(
      generateTotp({ secret, atMillis: step * 30_000, digits: 8 }),
    );
  });

  test('milliseconds inside a step do not change the code', () => {
    expect(generateTotp({ secret, atMillis: 59_999, digits: 8 })).toBe('94287082');
    expect(generateTotp({ secret, atMillis: 60_000, digits: 8 })).not.toBe('94287082');
  });

  test('defaults are SHA-1, 6 digits, 30 seconds', () => {
    expect(generateTotp({ secret, atMillis: 59_000 })).toBe('287082');
  });

  test.each([
    [{ periodSeconds: 0 }, /periodSeconds must be a positive whole number, not 0/],
    [{ periodSeconds: 1.5 }, /periodSeconds must be a positive whole number/],
    [{ digits: 9 }, /digits must be 6, 7 or 8, not 9/],
    [{ algorithm: 'SHA1' }, /algorithm must be sha1, sha256 or sha512, not "SHA1"/],
    [{ atMillis: -1 }, /atMillis must be milliseconds since 1970/],
    [{ atMillis: Number.NaN }, /atMillis must be milliseconds since 1970/],
    [{ secret: 'not base32!' }, /invalid base32 character "!" at position 11/],
  ])('throws TypeError for programmer errors: %o', (options, message) => {
    expect(() => generateTotp({ secret, atMillis: 0, ...(options as object) })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});
