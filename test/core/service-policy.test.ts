import { describe, expect, it } from 'vitest';
import {
  ACR_BY_LEVEL,
  ACR_VALUES,
  decideServiceSignIn,
  levelOf,
  requiredLevel,
  type ServiceSignInFacts,
} from '../../src/core/index.js';

const PASSWORD = ACR_BY_LEVEL.password;
const MFA = ACR_BY_LEVEL.mfa;
const PHR = ACR_BY_LEVEL.phishing_resistant;

const facts = (overrides: Partial<ServiceSignInFacts> = {}): ServiceSignInFacts => ({
  policy: 'user_choice',
  otpRequired: false,
  hasSecondFactor: true,
  hasWebauthn: false,
  mfaOff: false,
  requestedAcrs: [],
  ...overrides,
});

describe('the level a service needs of a person', () => {
  it.each([
    ['required', { policy: 'required' }, 'mfa'],
    ['required, no factor yet', { policy: 'required', hasSecondFactor: false }, 'mfa'],
    ['not required', { policy: 'not_required' }, 'password'],
    ["user's choice, with a factor, switch on", {}, 'mfa'],
    ["user's choice, switch off", { mfaOff: true }, 'password'],
    ["user's choice, no factor", { hasSecondFactor: false }, 'password'],
    ['"OTP Configured", switch off', { otpRequired: true, mfaOff: true }, 'mfa'],
    ['"OTP Configured", not required', { otpRequired: true, policy: 'not_required' }, 'mfa'],
    ['switch off, the service asks for MFA', { mfaOff: true, requestedAcrs: [MFA] }, 'mfa'],
    ['the service asks for a key', { requestedAcrs: [PHR] }, 'phishing_resistant'],
    [
      'the service accepts password or MFA',
      { policy: 'not_required', requestedAcrs: [PASSWORD, MFA] },
      'password',
    ],
    [
      'unknown acr values are ignored',
      { policy: 'not_required', requestedAcrs: ['urn:other:gold'] },
      'password',
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
    ['pwd', 'password'],
    ['pwd otp mfa', 'mfa'],
    ['pwd hwk mfa', 'phishing_resistant'],
    ['hwk user mfa', 'phishing_resistant'],
    ['otp', undefined],
  ] as const)('%j → %s', (amr, level) => {
    expect(levelOf(amr)).toBe(level);
  });
  it('publishes one acr per level, weakest first', () => {
    expect(ACR_VALUES).toEqual([PASSWORD, MFA, PHR]);
  });
});

describe('the decision for a session', () => {
  it('a required service and a password-only session: the second factor, or enrolment without one', () => {
    expect(decideServiceSignIn(facts({ policy: 'required' }), { amr: 'pwd' })).toEqual({
      outcome: 'second_factor',
      required: 'mfa',
    });
    expect(
      decideServiceSignIn(facts({ policy: 'required', hasSecondFactor: false }), { amr: 'pwd' }),
    ).toEqual({
      outcome: 'enroll',
      required: 'mfa',
    });
  });

  it('the password alone where it is enough, with the password-only acr', () => {
    expect(decideServiceSignIn(facts({ mfaOff: true }), { amr: 'pwd' })).toEqual({
      outcome: 'ok',
      amr: ['pwd'],
      acr: PASSWORD,
      level: 'password',
    });
  });

  it('an MFA session reports what it did; a named acr comes back by that name', () => {
    expect(decideServiceSignIn(facts({ policy: 'not_required' }), { amr: 'pwd otp mfa' })).toMatchObject({
      outcome: 'ok',
      amr: ['pwd', 'otp', 'mfa'],
      acr: MFA,
    });
    expect(
      decideServiceSignIn(facts({ policy: 'not_required', requestedAcrs: [PASSWORD, MFA] }), {
        amr: 'pwd hwk mfa',
      }),
    ).toMatchObject({ outcome: 'ok', acr: PASSWORD, level: 'phishing_resistant' });
  });

  it('a key asked for: TOTP is not enough; without a key the person must set one up', () => {
    const asked = { requestedAcrs: [PHR] };
    expect(decideServiceSignIn(facts({ ...asked, hasWebauthn: true }), { amr: 'pwd otp mfa' })).toEqual({
      outcome: 'second_factor',
      required: 'phishing_resistant',
    });
    expect(decideServiceSignIn(facts(asked), { amr: 'pwd otp mfa' })).toEqual({
      outcome: 'enroll',
      required: 'phishing_resistant',
    });
    expect(
      decideServiceSignIn(facts({ ...asked, hasWebauthn: true }), { amr: 'hwk user mfa' }),
    ).toMatchObject({
      outcome: 'ok',
      acr: PHR,
    });
  });

  it('nothing proven: log in', () => {
    expect(decideServiceSignIn(facts(), { amr: '' })).toEqual({ outcome: 'login' });
  });
});
