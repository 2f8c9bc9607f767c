import { describe, expect, test } from 'vitest';
import { generateTotp, type OtpAlgorithm, verifyTotp } from '../../src/otp/index.js';

const secret = Buffer.from('12345678901234567890', 'ascii');
const period = 30_000;
/** An instant in the middle of step 50_000_000 (mid-2017). */
const step = 50_000_000;
const atMillis = step * period + 12_345;

/** The 6-digit SHA-1 code for a step, by the generator (itself checked against the RFC vectors). */
const codeAt = (s: number) => generateTotp({ secret, atMillis: s * period });

describe('verifyTotp', () => {
  test('accepts the code of the current step with delta 0', () => {
    expect(verifyTotp({ code: codeAt(step), secret, atMillis })).toEqual({
      valid: true,
      timeStep: step,
      delta: 0,
    });
  });

  test('accepts the previous and next step (default window ±1) and reports the delta', () => {
    expect(verifyTotp({ code: codeAt(step - 1), secret, atMillis })).toEqual({
      valid: true,
      timeStep: step - 1,
      delta: -1,
    });
    expect(verifyTotp({ code: codeAt(step + 1), secret, atMillis })).toEqual({
      valid: true,
      timeStep: step + 1,
      delta: 1,
    });
  });

  test('refuses codes two steps away with the default window', () => {
    expect(verifyTotp({ code: codeAt(step - 2), secret, atMillis })).toEqual({ valid: false });
    expect(verifyTotp({ code: codeAt(step + 2), secret, atMillis })).toEqual({ valid: false });
  });

  test('a wider window reaches further and reports how far', () => {
    expect(verifyTotp({ code: codeAt(step - 3), secret, atMillis, windowSteps: 3 })).toEqual({
      valid: true,
      timeStep: step - 3,
      delta: -3,
    });
    expect(verifyTotp({ code: codeAt(step + 3), secret, atMillis, windowSteps: 3 })).toEqual({
      valid: true,
      timeStep: step + 3,
      delta: 3,
    });
    expect(verifyTotp({ code: codeAt(step + 4), secret, atMillis, windowSteps: 3 })).toEqual({
      valid: false,
    });
  });

  test('window 0 accepts the current step only', () => {
    expect(verifyTotp({ code: codeAt(step), secret, atMillis, windowSteps: 0 }).valid).toBe(true);
    expect(verifyTotp({ code: codeAt(step - 1), secret, atMillis, windowSteps: 0 })).toEqual({
      valid: false,
    });
  });

  describe('checks the current step first, then the past before the future', () => {
    // Which step is reported only shows the order of the checks when one code belongs to two
    // steps in the window. With the RFC 4226 secret, SHA-1 and 6 digits, steps 153567 and 153569
    // share the code 468457, and steps 910737 and 910738 share 911617 (found by searching; the
    // first assertion of each test makes sure the collision is real).
    test('two steps apart: verifying at the later step reports delta 0, not -2', () => {
      expect([codeAt(153567), codeAt(153569)]).toEqual(['468457', '468457']);
      expect(verifyTotp({ code: '468457', secret, atMillis: 153569 * period, windowSteps: 2 })).toEqual({
        valid: true,
        timeStep: 153569,
        delta: 0,
      });
    });

    test('two steps apart: verifying at the earlier step reports delta 0, not +2', () => {
      expect(verifyTotp({ code: '468457', secret, atMillis: 153567 * period, windowSteps: 2 })).toEqual({
        valid: true,
        timeStep: 153567,
        delta: 0,
      });
    });

    test('between them: the past step (-1) wins over the future one (+1)', () => {
      expect(verifyTotp({ code: '468457', secret, atMillis: 153568 * period })).toEqual({
        valid: true,
        timeStep: 153567,
        delta: -1,
      });
    });

    test('adjacent steps: each reports itself, delta 0', () => {
      expect([codeAt(910737), codeAt(910738)]).toEqual(['911617', '911617']);
      expect(verifyTotp({ code: '911617', secret, atMillis: 910737 * period })).toEqual({
        valid: true,
        timeStep: 910737,
        delta: 0,
      });
      expect(verifyTotp({ code: '911617', secret, atMillis: 910738 * period })).toEqual({
        valid: true,
        timeStep: 910738,
        delta: 0,
      });
    });
  });

  test('non-digit, short, long and empty codes are simply not valid', () => {
    const good = codeAt(step);
    for (const code of [
      '',
      good.slice(0, 5),
      `${good}0`,
      `${good.slice(0, 5)}a`,
      ` ${good.slice(1)}`,
      `${good.slice(0, 3)} ${good.slice(3, 5)}`,
      '-12345',
      '+12345',
      '1e5000',
      '１２３４５６', // full-width digits
    ]) {
      expect(verifyTotp({ code, secret, atMillis }), JSON.stringify(code)).toEqual({ valid: false });
    }
  });

  test('a code with leading zeros is compared as typed', () => {
    // Search the steps near `step` for a code starting with 0, then check it verifies as typed
    // and that dropping the zero does not.
    let s = step;
    while (!codeAt(s).startsWith('0')) s++;
    const code = codeAt(s);
    const at = s * period;
    expect(verifyTotp({ code, secret, atMillis: at })).toEqual({ valid: true, timeStep: s, delta: 0 });
    expect(verifyTotp({ code: code.slice(1), secret, atMillis: at })).toEqual({ valid: false });
  });

  test.each<[OtpAlgorithm, number]>([
    ['sha1', 6],
    ['sha256', 7],
    ['sha512', 8],
  ])('works with %s and %i digits and other periods', (algorithm, digits) => {
    const periodSeconds = 45;
    const at = 1_700_000_000_000;
    const code = generateTotp({ secret, atMillis: at - 45_000, algorithm, digits, periodSeconds });
    expect(verifyTotp({ code, secret, atMillis: at, algorithm, digits, periodSeconds })).toEqual({
      valid: true,
      timeStep: Math.floor(at / 45_000) - 1,
      delta: -1,
    });
    // The same code is not valid for another algorithm or digit count.
    expect(verifyTotp({ code, secret, atMillis: at, digits, periodSeconds }).valid).toBe(
      algorithm === 'sha1',
    );
  });

  test('accepts the secret as base32 text', () => {
    expect(verifyTotp({ code: codeAt(step), secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', atMillis })).toEqual({
      valid: true,
      timeStep: step,
      delta: 0,
    });
  });

  test('never looks at steps before the epoch', () => {
    const code = generateTotp({ secret, atMillis: 0 });
    expect(verifyTotp({ code, secret, atMillis: 0 })).toEqual({ valid: true, timeStep: 0, delta: 0 });
    expect(verifyTotp({ code: generateTotp({ secret, atMillis: 30_000 }), secret, atMillis: 0 })).toEqual({
      valid: true,
      timeStep: 1,
      delta: 1,
    });
  });

  test.each([
    [{ digits: 9 }, /digits must be 6, 7 or 8, not 9/],
    [{ algorithm: 'md5' }, /algorithm must be sha1, sha256 or sha512, not "md5"/],
    [{ periodSeconds: 0 }, /periodSeconds must be a positive whole number, not 0/],
    [{ windowSteps: -1 }, /windowSteps must be a whole number from 0 to 10, not -1/],
    [{ windowSteps: 30 }, /windowSteps must be a whole number from 0 to 10, not 30/],
    [{ afterTimeStep: 1.5 }, /afterTimeStep must be a whole number, not 1.5/],
    [{ atMillis: Number.POSITIVE_INFINITY }, /atMillis must be milliseconds since 1970/],
    [{ code: 123456 }, /code must be a string, not 123456/],
    [{ secret: 'GEZ1' }, /invalid base32 character "1" at position 4/],
    [{ secret: 42 }, /secret must be a Uint8Array or a base32 string/],
    [{ secret: new Uint8Array(0) }, /secret must not be empty/],
    [{ secret: '' }, /secret must not be empty/],
  ])('throws TypeError for programmer errors: %o', (options, message) => {
    expect(() => verifyTotp({ code: '123456', secret, atMillis, ...(options as object) })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(message) }),
    );
  });
});
