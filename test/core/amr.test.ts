import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAmr, hasSecondFactor, parseAmr } from '../../src/core/amr.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('RFC 8176 authentication methods', () => {
  it('adds mfa only when something known and something held were both shown', () => {
    expect(addAmr('', ['pwd'])).toBe('pwd');
    expect(addAmr('pwd', ['otp'])).toBe('pwd otp mfa');
    expect(addAmr('', ['hwk', 'user'])).toBe('hwk user mfa');
    expect(addAmr('', ['otp', 'hwk'])).toBe('otp hwk');
    expect(addAmr('pwd otp mfa', ['otp'])).toBe('pwd otp mfa');
  });

  it('reads back only the values it knows', () => {
    expect(parseAmr('pwd bogus otp')).toEqual(['pwd', 'otp']);
    expect(hasSecondFactor('pwd')).toBe(false);
    expect(hasSecondFactor('pwd otp mfa')).toBe(true);
  });
});

describe('sessions record how they were authenticated', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const login = (password: string, otp?: string) =>
    t.core.signIn.login({ login: 'alice', password, otp, kind: 'browser', ip: '198.51.100.7' });
  const amrOf = async (token: string) => (await t.core.sessions.resolve(token))?.row.amr;

  it('password alone, password + code, and the code given in the second step', async () => {
    const user = await t.createUser('alice');
    const plain = await login('correct horse battery');
    if (plain.outcome !== 'signed_in') throw new Error(plain.outcome);
    expect(await amrOf(plain.session.token)).toBe('pwd');

    const { secret } = await t.enrollTotp(user);
    const both = await login('correct horse battery', t.codeFor(secret));
    if (both.outcome !== 'signed_in') throw new Error(both.outcome);
    expect(await amrOf(both.session.token)).toBe('pwd otp mfa');

    t.clock.advance(30_000);
    const first = await login('correct horse battery');
    if (first.outcome !== 'second_factor_required' || !first.pending) throw new Error(first.outcome);
    expect(await amrOf(first.pending.token)).toBe('pwd');
    const pending = await t.core.sessions.resolve(first.pending.token);
    const full = await t.core.signIn.completeSecondFactor(pending!, t.codeFor(secret));
    expect(await amrOf(full.token)).toBe('pwd otp mfa');
  });
});
