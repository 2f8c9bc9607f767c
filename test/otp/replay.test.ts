// Threat: a one-time password that works twice is a password. Someone who sees a code — over a
// shoulder, in a phishing proxy, in a log — can use it within its validity window (up to three
// steps with ±1) after its owner did. RFC 6238 §5.2 says the verifier MUST NOT accept the second
// attempt of the same OTP after a successful validation. `verifyTotp` takes the last accepted
// step as `afterTimeStep` and refuses that step and every earlier one, so the rule holds in the
// algorithm itself; the store then records the new step with a conditional update so that two
// racing requests cannot both win (tested in the store and core suites).
import { describe, expect, test } from 'vitest';
import { generateTotp, verifyTotp } from '../../src/otp/index.js';

const secret = Buffer.from('12345678901234567890', 'ascii');
const period = 30_000;
const step = 56_789_012;
const atMillis = step * period + 1_000;
const codeAt = (s: number) => generateTotp({ secret, atMillis: s * period });

describe('replay protection (RFC 6238 §5.2)', () => {
  test('the same code is refused once its step has been accepted', () => {
    const code = codeAt(step);
    const first = verifyTotp({ code, secret, atMillis });
    expect(first).toEqual({ valid: true, timeStep: step, delta: 0 });
    const again = verifyTotp({ code, secret, atMillis: atMillis + 5_000, afterTimeStep: step });
    expect(again).toEqual({ valid: false });
  });

  test('the replay is refused for the whole window, not just the same instant', () => {
    const code = codeAt(step);
    // One step later the code would still be inside the ±1 window (delta -1) …
    expect(verifyTotp({ code, secret, atMillis: atMillis + period })).toEqual({
      valid: true,
      timeStep: step,
      delta: -1,
    });
    // … but not once its step was accepted.
    expect(verifyTotp({ code, secret, atMillis: atMillis + period, afterTimeStep: step })).toEqual({
      valid: false,
    });
  });

  test('an older code from the window is refused after a newer one was accepted', () => {
    // The user typed the code of `step`; an onlooker who saw the previous code (step - 1) must
    // not get in with it, though it is still inside the window.
    expect(verifyTotp({ code: codeAt(step - 1), secret, atMillis, afterTimeStep: step })).toEqual({
      valid: false,
    });
  });

  test('a future step accepted earlier (clock ahead) blocks the current and past steps', () => {
    expect(verifyTotp({ code: codeAt(step), secret, atMillis, afterTimeStep: step + 1 })).toEqual({
      valid: false,
    });
  });

  test('the next code after the accepted one is still accepted', () => {
    expect(verifyTotp({ code: codeAt(step + 1), secret, atMillis, afterTimeStep: step })).toEqual({
      valid: true,
      timeStep: step + 1,
      delta: 1,
    });
    expect(verifyTotp({ code: codeAt(step), secret, atMillis, afterTimeStep: step - 1 })).toEqual({
      valid: true,
      timeStep: step,
      delta: 0,
    });
  });
});
