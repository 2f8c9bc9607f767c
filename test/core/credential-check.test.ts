import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialInput, MfaPolicy } from '../../src/core/index.js';
import type { ServiceRow, UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The check behind the validate API and RADIUS: the service's policy decides whether a code is
 * needed, and the password step and the code check are the login page's own, so throttles and
 * the replay rule are shared.
 */
describe('credential check for applications and RADIUS clients (core, real SQLite)', () => {
  let t: TestApp;
  let alice: UserRow;
  let secret: string;

  beforeEach(async () => {
    t = await createTestApp();
    alice = await t.createUser('alice');
    ({ secret } = await t.enrollTotp(alice));
  });
  afterEach(async () => {
    await t.close();
  });

  const application = async (mfaPolicy: MfaPolicy = 'required'): Promise<ServiceRow> => {
    const { service } = await t.core.services.register(
      { name: `App ${mfaPolicy}`, kind: 'application', mfaPolicy },
      'cli',
    );
    return (await t.store.services.findById(service.id)) as ServiceRow;
  };
  const check = (input: Omit<CredentialInput, 'login'> & { login?: string }) =>
    t.core.credentialCheck.check({ login: 'alice', ip: '192.0.2.9', ...input });

  it('a required service: the password with the code appended is accepted, the password alone asks for the code', async () => {
    const service = await application('required');
    expect(await check({ service, password: 'correct horse battery' })).toMatchObject({
      ok: false,
      reason: 'code_required',
      user: { id: alice.id },
    });
    const accepted = await check({ service, password: `correct horse battery${t.codeFor(secret)}` });
    expect(accepted).toMatchObject({ ok: true, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:twofold:acr:mfa' });

    const [event] = await t.store.audit.list({ type: 'service.signed_in' });
    expect(JSON.parse(event!.detail)).toMatchObject({ service: 'App required', amr: 'pwd otp mfa' });
  });

  it('an accepted code is refused after, here and on the login page', async () => {
    const service = await application('required');
    const code = t.codeFor(secret);
    expect(await check({ service, password: 'correct horse battery', code })).toMatchObject({ ok: true });
    expect(await check({ service, code })).toMatchObject({ ok: false, reason: 'invalid_code' });
    const login = await t.core.signIn.login({
      login: 'alice',
      password: 'correct horse battery',
      otp: code,
      kind: 'api',
    });
    expect(login).toMatchObject({ outcome: 'second_factor_required', codeWasWrong: true });
  });

  it("a user's-choice service with MFA turned off, and a not-required one, take the password alone", async () => {
    const choice = await application('user_choice');
    expect(await check({ service: choice, password: 'correct horse battery' })).toMatchObject({
      reason: 'code_required',
    });
    await t.store.services.setMfaOff(alice.id, choice.id, true, t.clock.now());
    expect(await check({ service: choice, password: 'correct horse battery' })).toMatchObject({
      ok: true,
      amr: ['pwd'],
      acr: 'urn:twofold:acr:password',
    });
    const open = await application('not_required');
    expect(await check({ service: open, password: 'correct horse battery' })).toMatchObject({ ok: true });
  });

  it('a wrong password and an unknown person get the same refusal', async () => {
    const service = await application();
    const wrong = await check({ service, password: 'wrong password!' });
    const unknown = await check({ service, login: 'nobody', password: 'wrong password!' });
    expect(wrong).toEqual({
      ok: false,
      reason: 'invalid_credentials',
      message: 'Invalid username or password.',
    });
    expect(unknown).toEqual(wrong);
  });

  it('a code alone is checked without the password; a wrong one counts on the shared throttle', async () => {
    const service = await application();
    expect(await check({ service, code: t.codeFor(secret) })).toMatchObject({ ok: true, amr: ['otp'] });
    for (let i = 0; i < 5; i += 1) {
      expect(await check({ service, code: '000000' })).toMatchObject({ reason: 'invalid_code' });
    }
    const throttled = await check({ service, code: t.codeFor(secret, 1) });
    expect(throttled).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 30 });
    // The login page waits on the same counter.
    await expect(
      t.core.secondFactor.verify(alice, t.codeFor(secret, 1), { purpose: 'login' }),
    ).rejects.toMatchObject({ code: 'throttled' });
  });

  it('a person without a second factor at a required service is told to set one up', async () => {
    await t.createUser('bob');
    const service = await application('required');
    expect(await check({ service, login: 'bob', password: 'correct horse battery' })).toMatchObject({
      ok: false,
      reason: 'no_second_factor',
    });
  });

  it('an OIDC client or a site cannot use it', async () => {
    const { service } = await t.core.services.register(
      { name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'] },
      'cli',
    );
    const row = (await t.store.services.findById(service.id)) as ServiceRow;
    await expect(check({ service: row, code: '123456' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
