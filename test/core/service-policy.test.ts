import { describe, expect, it } from 'vitest';
import {
  ACR_BY_LEVEL,
  ACR_VALUES,
  type AssuranceLevel,
  decideServiceSignIn,
  levelOf,
  requiredLevel,
  type ServiceDecision,
  type ServiceSignInFacts,
} from '../../src/core/index.js';

const PASSWORD = ACR_BY_LEVEL.password;
const MFA = ACR_BY_LEVEL.mfa;
const PHR = ACR_BY_LEVEL.phishing_resistant;

/** A person with TOTP (no key), a user's-choice service, the switch on, nothing asked for. */
const facts = (overrides: Partial<ServiceSignInFacts> = {}): ServiceSignInFacts => ({
  policy: 'user_choice',
  otpRequired: false,
  hasSecondFactor: true,
  hasWebauthn: false,
  mfaOff: false,
  requestedAcrs: [],
  ...overrides,
});

describe('the acr values', () => {
  it('one per level, weakest first, with the names services ask for', () => {
    expect(ACR_BY_LEVEL).toEqual({
      password: 'urn:twofold:acr:password',
      mfa: 'urn:twofold:acr:mfa',
      phishing_resistant: 'urn:twofold:acr:phishing-resistant',
    });
    expect(ACR_VALUES).toEqual([PASSWORD, MFA, PHR]);
  });
});

describe('the level a service needs of a person', () => {
  it.each([
    ['required', { policy: 'required' }, 'mfa'],
    ['required, no factor yet', { policy: 'required', hasSecondFactor: false }, 'mfa'],
    ['required, switch off (the switch does not apply)', { policy: 'required', mfaOff: true }, 'mfa'],
    ['not required', { policy: 'not_required' }, 'password'],
    ["user's choice, with a factor, switch on", {}, 'mfa'],
    ["user's choice, switch off", { mfaOff: true }, 'password'],
    ["user's choice, no factor", { hasSecondFactor: false }, 'password'],
    ['"OTP Configured", switch off', { otpRequired: true, mfaOff: true }, 'mfa'],
    ['"OTP Configured", not required', { otpRequired: true, policy: 'not_required' }, 'mfa'],
    [
      '"OTP Configured", not required, switch off',
      { otpRequired: true, policy: 'not_required', mfaOff: true },
      'mfa',
    ],
    ['switch off, the service asks for MFA', { mfaOff: true, requestedAcrs: [MFA] }, 'mfa'],
    ['not required, the service asks for MFA', { policy: 'not_required', requestedAcrs: [MFA] }, 'mfa'],
    ['the service asks for a key', { requestedAcrs: [PHR] }, 'phishing_resistant'],
    [
      'the service accepts password or MFA',
      { policy: 'not_required', requestedAcrs: [PASSWORD, MFA] },
      'password',
    ],
    [
      'the service accepts a key or MFA: the least of them',
      { policy: 'not_required', requestedAcrs: [PHR, MFA] },
      'mfa',
    ],
    [
      'unknown acr values are ignored',
      { policy: 'not_required', requestedAcrs: ['urn:other:gold'] },
      'password',
    ],
    [
      'unknown acr values are ignored beside known ones',
      { policy: 'not_required', requestedAcrs: ['urn:other:gold', MFA, 'loa-3'] },
      'mfa',
    ],
    [
      'asking for less than the policy changes nothing',
      { policy: 'required', requestedAcrs: [PASSWORD] },
      'mfa',
    ],
  ] as const)('%s → %s', (_name, overrides, expected) => {
    expect(requiredLevel(facts(overrides as Partial<ServiceSignInFacts>))).toBe(expected);
  });
});

describe('what a session reaches', () => {
  it.each([
    ['', undefined],
    ['otp', undefined],
    ['hwk', undefined],
    ['bogus', undefined],
    ['pwd', 'password'],
    ['user', 'password'],
    ['pwd otp mfa', 'mfa'],
    ['pwd swk mfa', 'mfa'],
    ['pwd hwk mfa', 'phishing_resistant'],
    ['hwk user mfa', 'phishing_resistant'],
  ] as const)('%j → %s', (amr, level) => {
    expect(levelOf(amr)).toBe(level);
  });
});

describe('the decision for a session', () => {
  const ok = (acr: string, amr: string[], level: AssuranceLevel): ServiceDecision => ({
    outcome: 'ok',
    amr,
    acr,
    level,
  });

  it.each<[string, Partial<ServiceSignInFacts>, string, ServiceDecision]>([
    // A required service.
    [
      'required, password only: the second factor',
      { policy: 'required' },
      'pwd',
      {
        outcome: 'second_factor',
        required: 'mfa',
      },
    ],
    [
      'required, password only, no factor: enrol',
      { policy: 'required', hasSecondFactor: false },
      'pwd',
      {
        outcome: 'enroll',
        required: 'mfa',
      },
    ],
    [
      'required, an MFA session',
      { policy: 'required' },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],

    // Not required: the password is enough.
    ['not required, password only', { policy: 'not_required' }, 'pwd', ok(PASSWORD, ['pwd'], 'password')],
    [
      'not required, password only, no factor',
      { policy: 'not_required', hasSecondFactor: false },
      'pwd',
      ok(PASSWORD, ['pwd'], 'password'),
    ],
    [
      'not required, an MFA session reports mfa',
      { policy: 'not_required' },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],

    // The user's choice.
    [
      "user's choice, a factor, switch on, password only",
      {},
      'pwd',
      {
        outcome: 'second_factor',
        required: 'mfa',
      },
    ],
    [
      "user's choice, a factor, switch on, an MFA session",
      {},
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    ["user's choice, switch off, password only", { mfaOff: true }, 'pwd', ok(PASSWORD, ['pwd'], 'password')],
    [
      "user's choice, no factor, password only",
      { hasSecondFactor: false },
      'pwd',
      ok(PASSWORD, ['pwd'], 'password'),
    ],
    [
      "user's choice, switch off, the service asks for MFA",
      { mfaOff: true, requestedAcrs: [MFA] },
      'pwd',
      {
        outcome: 'second_factor',
        required: 'mfa',
      },
    ],
    [
      "user's choice, no factor, the service asks for MFA: enrol",
      { hasSecondFactor: false, requestedAcrs: [MFA] },
      'pwd',
      { outcome: 'enroll', required: 'mfa' },
    ],

    // "OTP Configured" overrides the service and the switch.
    [
      '"OTP Configured", not required',
      { otpRequired: true, policy: 'not_required' },
      'pwd',
      {
        outcome: 'second_factor',
        required: 'mfa',
      },
    ],
    [
      '"OTP Configured", switch off',
      { otpRequired: true, mfaOff: true },
      'pwd',
      {
        outcome: 'second_factor',
        required: 'mfa',
      },
    ],
    [
      '"OTP Configured", not required, switch off, no factor: enrol',
      { otpRequired: true, policy: 'not_required', mfaOff: true, hasSecondFactor: false },
      'pwd',
      { outcome: 'enroll', required: 'mfa' },
    ],

    // A phishing-resistant sign-in asked for.
    [
      'a key asked for, TOTP only, the person has a key',
      { requestedAcrs: [PHR], hasWebauthn: true },
      'pwd otp mfa',
      {
        outcome: 'second_factor',
        required: 'phishing_resistant',
      },
    ],
    [
      'a key asked for, TOTP only, no key: enrol one',
      { requestedAcrs: [PHR] },
      'pwd otp mfa',
      {
        outcome: 'enroll',
        required: 'phishing_resistant',
      },
    ],
    [
      'a key asked for, password only, no key: enrol one',
      { requestedAcrs: [PHR] },
      'pwd',
      {
        outcome: 'enroll',
        required: 'phishing_resistant',
      },
    ],
    [
      'a key asked for, a security key after the password',
      { requestedAcrs: [PHR], hasWebauthn: true },
      'pwd hwk mfa',
      ok(PHR, ['pwd', 'hwk', 'mfa'], 'phishing_resistant'),
    ],
    [
      'a key asked for, a passkey',
      { requestedAcrs: [PHR], hasWebauthn: true },
      'hwk user mfa',
      ok(PHR, ['hwk', 'user', 'mfa'], 'phishing_resistant'),
    ],

    // Key sessions, nothing asked for: their own level.
    [
      'a security key session',
      { policy: 'required', hasWebauthn: true },
      'pwd hwk mfa',
      ok(PHR, ['pwd', 'hwk', 'mfa'], 'phishing_resistant'),
    ],
    [
      'a passkey session',
      { policy: 'required', hasWebauthn: true },
      'hwk user mfa',
      ok(PHR, ['hwk', 'user', 'mfa'], 'phishing_resistant'),
    ],

    // The acr that comes back: the first value asked for that the session reaches.
    [
      '"password mfa" asked, an MFA session: password comes first',
      { policy: 'not_required', requestedAcrs: [PASSWORD, MFA] },
      'pwd otp mfa',
      ok(PASSWORD, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      '"password mfa" asked, a key session: password comes first',
      { policy: 'not_required', requestedAcrs: [PASSWORD, MFA] },
      'pwd hwk mfa',
      ok(PASSWORD, ['pwd', 'hwk', 'mfa'], 'phishing_resistant'),
    ],
    [
      '"mfa password" asked, an MFA session: mfa comes first',
      { policy: 'not_required', requestedAcrs: [MFA, PASSWORD] },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      '"password mfa" asked, a password session: only password is reached',
      { policy: 'not_required', requestedAcrs: [PASSWORD, MFA] },
      'pwd',
      ok(PASSWORD, ['pwd'], 'password'),
    ],
    [
      '"password mfa" asked of a required service: not below what the policy needs',
      { policy: 'required', requestedAcrs: [PASSWORD, MFA] },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      '"phishing-resistant mfa" asked, a key session: the first, a key',
      { policy: 'not_required', requestedAcrs: [PHR, MFA] },
      'pwd hwk mfa',
      ok(PHR, ['pwd', 'hwk', 'mfa'], 'phishing_resistant'),
    ],
    [
      '"phishing-resistant mfa" asked, a TOTP session: mfa is acceptable',
      { policy: 'not_required', requestedAcrs: [PHR, MFA] },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      'unknown values asked for are ignored: the session level comes back',
      { policy: 'not_required', requestedAcrs: ['urn:other:gold', '0'] },
      'pwd otp mfa',
      ok(MFA, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      'unknown values beside a known one: the known one comes back',
      { policy: 'not_required', requestedAcrs: ['urn:other:gold', PASSWORD] },
      'pwd otp mfa',
      ok(PASSWORD, ['pwd', 'otp', 'mfa'], 'mfa'),
    ],
    [
      'a session with methods Twofold does not know: only the known ones are reported',
      { policy: 'not_required' },
      'pwd bogus',
      ok(PASSWORD, ['pwd'], 'password'),
    ],

    // Not even the password proven.
    ['no methods at all: log in', {}, '', { outcome: 'login' }],
    ['no methods at all, not required: log in', { policy: 'not_required' }, '', { outcome: 'login' }],
    ['a code alone, no password: log in', { policy: 'not_required' }, 'otp', { outcome: 'login' }],
  ])('%s', (_name, overrides, amr, expected) => {
    expect(decideServiceSignIn(facts(overrides), { amr })).toEqual(expected);
  });
});
