import {
  assertAlgorithm,
  assertDigits,
  assertPeriodSeconds,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  describe,
  type OtpAlgorithm,
  POWERS_OF_TEN,
} from './algorithms.js';
import { hotpValue } from './hotp.js';
import { type OtpSecret, secretBytes } from './secret.js';
import { timeStepAt } from './totp.js';

/** Steps either side of now that RFC 6238 §5.2 suggests: one covers clock drift and typing time. */
export const DEFAULT_WINDOW_STEPS = 1;

/**
 * The widest window accepted. Every extra step is another code an attacker may guess; a caller
 * who passes seconds where steps are meant (`windowSteps: 30`) gets an error, not a silent
 * half-hour window.
 */
export const MAX_WINDOW_STEPS = 10;

export interface VerifyTotpOptions {
  /** What the person typed. Anything but exactly `digits` ASCII digits is simply not valid. */
  readonly code: string;
  readonly secret: OtpSecret;
  /** The instant of verification, in milliseconds since the Unix epoch (what `Clock.now()` returns). */
  readonly atMillis: number;
  /** Default `sha1`. */
  readonly algorithm?: OtpAlgorithm;
  /** 6, 7 or 8; default 6. */
  readonly digits?: number;
  /** Default 30. */
  readonly periodSeconds?: number;
  /** Steps accepted either side of the current one, 0 to 10; default 1. */
  readonly windowSteps?: number;
  /**
   * The last time step accepted for this authenticator; this step and every earlier one are
   * refused. Leave out when no code has been accepted yet.
   */
  readonly afterTimeStep?: number;
}

export type VerifyTotpResult =
  | { readonly valid: true; readonly timeStep: number; readonly delta: number }
  | { readonly valid: false };

const INVALID: VerifyTotpResult = Object.freeze({ valid: false });

/**
 * Checks a TOTP code against the steps from `-windowSteps` to `+windowSteps` around `atMillis`,
 * in the order 0, -1, +1, -2, +2, … and returns the first step whose code matches, with its
 * `delta` from the current step, or `{ valid: false }`.
 *
 * A malformed code (letters, spaces, wrong length) is `{ valid: false }`; a bad algorithm, digit
 * count, period, window, step or secret is a programming mistake and throws `TypeError`.
 *
 * @see RFC 6238 §5.2 (validation, delay window, one-time use) and §6 (resynchronization)
 * @see RFC 4226 §7.2 (validation of HOTP values)
 */
export function verifyTotp({
  code,
  secret,
  atMillis,
  algorithm = DEFAULT_ALGORITHM,
  digits = DEFAULT_DIGITS,
  periodSeconds = DEFAULT_PERIOD_SECONDS,
  windowSteps = DEFAULT_WINDOW_STEPS,
  afterTimeStep,
}: VerifyTotpOptions): VerifyTotpResult {
  assertAlgorithm(algorithm);
  assertDigits(digits);
  assertPeriodSeconds(periodSeconds);
  assertWindowSteps(windowSteps);
  if (afterTimeStep !== undefined && !Number.isSafeInteger(afterTimeStep)) {
    throw new TypeError(`afterTimeStep must be a whole number, not ${describe(afterTimeStep)}`);
  }
  const key = secretBytes(secret);
  const current = timeStepAt(atMillis, periodSeconds);
  const given = parseCode(code, digits);
  if (given < 0) return INVALID;
  const modulus = POWERS_OF_TEN[digits]!;

  // The current step first, then outwards, the past before the future at each distance. A
  // person with a synchronised clock (nearly everyone) costs one HMAC instead of three, and
  // should a code belong to two steps, `delta` names the likelier one, which drift tracking
  // (RFC 6238 §6) and the replay record rely on. The past comes before the future because a
  // code typed as it rolled over arrives late far more often than a phone's clock runs ahead.
  for (let i = 0; i <= 2 * windowSteps; i++) {
    const delta = i === 0 ? 0 : i & 1 ? -((i + 1) >> 1) : i >> 1;
    const step = current + delta;
    // Replay protection inside the algorithm, so no caller can forget it: a code is good once
    // (RFC 6238 §5.2). Refusing every step at or below the last accepted one also refuses an
    // older code from the window, which an onlooker may have seen typed before the newer one.
    if (step < 0 || (afterTimeStep !== undefined && step <= afterTimeStep)) continue;
    // Compared as integers below 10^8: one machine comparison, whose time does not depend on
    // how many digits agree. A string or early-exit byte comparison would stop at the first
    // differing digit and let someone timing responses learn a code digit by digit.
    if (hotpValue(key, step, algorithm, modulus) === given) return { valid: true, timeStep: step, delta };
  }
  return INVALID;
}

function assertWindowSteps(windowSteps: unknown): asserts windowSteps is number {
  if (
    typeof windowSteps !== 'number' ||
    !Number.isSafeInteger(windowSteps) ||
    windowSteps < 0 ||
    windowSteps > MAX_WINDOW_STEPS
  ) {
    throw new TypeError(
      `windowSteps must be a whole number from 0 to ${MAX_WINDOW_STEPS}, not ${describe(windowSteps)}`,
    );
  }
}

/**
 * The code's value, or -1 when it is not exactly `digits` ASCII digits. Its running time depends
 * only on the code given, never on the secret.
 */
function parseCode(code: string, digits: number): number {
  if (typeof code !== 'string') throw new TypeError(`code must be a string, not ${describe(code)}`);
  if (code.length !== digits) return -1;
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const digit = code.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
