import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TwofoldError } from '../../src/core/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('sign-in (core)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const login = (loginName: string, password: string, otp?: string) =>
    t.core.signIn.login({ login: loginName, password, otp, kind: 'browser', ip: '198.51.100.7' });

  it('signs in with the password alone when the user has no second factor, by name or e-mail', async () => {
    await t.createUser('alice');
    expect(await login('alice', 'correct horse battery')).toMatchObject({ outcome: 'signed_in' });
    expect(await login('ALICE@example.test', 'correct horse battery')).toMatchObject({
      outcome: 'signed_in',
    });
  });

  it('answers a wrong password and an unknown user with the same error', async () => {
    await t.createUser('alice');
    const failure = (p: Promise<unknown>) =>
      p.then(() => new Error('signed in')).catch((e: TwofoldError) => e);
    const wrong = (await failure(login('alice', 'wrong password!'))) as TwofoldError;
    const unknown = (await failure(login('nobody', 'wrong password!'))) as TwofoldError;
    expect(wrong).toBeInstanceOf(TwofoldError);
    expect([wrong.code, wrong.message]).toEqual([unknown.code, unknown.message]);
    expect(wrong.message).toBe('Invalid username or password.');
  });

  it('accepts the code typed right after the password', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const result = await login('alice', `correct horse battery${t.codeFor(secret)}`);
    expect(result).toMatchObject({ outcome: 'signed_in', proof: { method: 'totp' } });
  });

  it('accepts the code in a field of its own', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    expect(await login('alice', 'correct horse battery', t.codeFor(secret))).toMatchObject({
      outcome: 'signed_in',
    });
  });

  it('still accepts a password that ends in digits, with and without an appended code', async () => {
    const user = await t.createUser('dave', 'my password 123456');
    expect(await login('dave', 'my password 123456')).toMatchObject({ outcome: 'signed_in' });
    const { secret } = await t.enrollTotp(user);
    expect(await login('dave', `my password 123456${t.codeFor(secret)}`)).toMatchObject({
      outcome: 'signed_in',
    });
    // The whole input is the password and no code came with it: the second step is asked for.
    expect(await login('dave', 'my password 123456')).toMatchObject({
      outcome: 'second_factor_required',
      codeWasWrong: false,
    });
  });

  it('asks for the second factor when the code is missing or wrong, remembering the password step', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const missing = await login('alice', 'correct horse battery');
    expect(missing).toMatchObject({ outcome: 'second_factor_required', codeWasWrong: false });
    const wrongCode = t.codeFor(secret) === '000000' ? '111111' : '000000';
    const wrong = await login('alice', `correct horse battery${wrongCode}`);
    expect(wrong).toMatchObject({ outcome: 'second_factor_required', codeWasWrong: true });

    if (missing.outcome !== 'second_factor_required' || !missing.pending)
      throw new Error('expected a pending login');
    const pending = await t.core.sessions.resolve(missing.pending.token);
    expect(pending?.row.stage).toBe('password');
    const session = await t.core.signIn.completeSecondFactor(pending!, t.codeFor(secret));
    expect(session.stage).toBe('full');
    // Rotated: the pending id no longer works, the new one is a full session.
    expect(await t.core.sessions.resolve(missing.pending.token)).toBeUndefined();
    expect((await t.core.sessions.resolve(session.token))?.row.stage).toBe('full');
  });

  it('forgets the password step after five minutes', async () => {
    const user = await t.createUser('alice');
    await t.enrollTotp(user);
    const result = await login('alice', 'correct horse battery');
    if (result.outcome !== 'second_factor_required' || !result.pending)
      throw new Error('expected a pending login');
    t.clock.advance(5 * 60_000);
    expect(await t.core.sessions.resolve(result.pending.token)).toBeUndefined();
  });

  it('refuses a code that has already been used, and the code of a removed device', async () => {
    const user = await t.createUser('alice');
    const { secret, authenticatorId } = await t.enrollTotp(user);
    const code = t.codeFor(secret);
    expect(await login('alice', `correct horse battery${code}`)).toMatchObject({ outcome: 'signed_in' });
    expect(await login('alice', `correct horse battery${code}`)).toMatchObject({ codeWasWrong: true });

    const second = await t.enrollTotp(user, 'Laptop');
    await t.store.authenticators.remove(authenticatorId, user.id);
    t.clock.advance(30_000);
    expect(await login('alice', `correct horse battery${t.codeFor(secret)}`)).toMatchObject({
      codeWasWrong: true,
    });
    expect(await login('alice', `correct horse battery${t.codeFor(second.secret)}`)).toMatchObject({
      outcome: 'signed_in',
    });
  });

  it('throttles wrong codes per user across sessions, then lets the right code in after the wait', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const wrongCode = t.codeFor(secret) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect(await login('alice', 'correct horse battery', wrongCode)).toMatchObject({ codeWasWrong: true });
    }
    const throttled = await login('alice', 'correct horse battery', t.codeFor(secret)).catch(
      (e: TwofoldError) => e,
    );
    expect(throttled).toMatchObject({ code: 'throttled', status: 429, retryAfterSeconds: 30 });
    t.clock.advance(30_000);
    expect(await login('alice', 'correct horse battery', t.codeFor(secret))).toMatchObject({
      outcome: 'signed_in',
    });
  });

  it('throttles wrong passwords per account name, known or not', async () => {
    await t.createUser('alice');
    for (const name of ['alice', 'nobody']) {
      for (let i = 0; i < 5; i++)
        await expect(login(name, 'wrong password!')).rejects.toMatchObject({ status: 401 });
      await expect(login(name, 'correct horse battery')).rejects.toMatchObject({ status: 429 });
    }
  });

  it('counts wrong passwords per account whether the name or the e-mail was typed', async () => {
    await t.createUser('alice');
    for (const login of ['alice', 'alice@example.test', 'ALICE', 'Alice@Example.test', 'alice']) {
      await expect(
        t.core.signIn.login({ login, password: 'wrong password!', kind: 'api' }),
      ).rejects.toMatchObject({
        status: 401,
      });
    }
    await expect(
      t.core.signIn.login({ login: 'alice@example.test', password: 'correct horse battery', kind: 'api' }),
    ).rejects.toMatchObject({ status: 429 });
  });

  it('lets many right logins from one address through at once (a NAT, an office)', async () => {
    for (let i = 0; i < 30; i++) await t.createUser(`user${i}`);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.core.signIn.login({
          login: `user${i}`,
          password: 'correct horse battery',
          kind: 'api',
          ip: '192.0.2.1',
        }),
      ),
    );
    expect(results.every((r) => r.outcome === 'signed_in')).toBe(true);
  });

  it('throttles password spraying from one address; a success there does not reset it; quiet time does', async () => {
    await t.createUser('mallory');
    const spray = (i: number) =>
      t.core.signIn.login({ login: `victim${i}`, password: 'Winter2026!', kind: 'api', ip: '192.0.2.9' });
    for (let i = 0; i < 20; i++) await expect(spray(i)).rejects.toMatchObject({ status: 401 });
    // The attacker's own account, logged into from the same address, wipes nothing.
    await expect(
      t.core.signIn.login({
        login: 'mallory',
        password: 'correct horse battery',
        kind: 'api',
        ip: '192.0.2.9',
      }),
    ).rejects.toMatchObject({ status: 429 });
    await expect(spray(99)).rejects.toMatchObject({ status: 429, retryAfterSeconds: 30 });
    // Another address is not affected.
    expect(
      await t.core.signIn.login({
        login: 'mallory',
        password: 'correct horse battery',
        kind: 'api',
        ip: '192.0.2.10',
      }),
    ).toMatchObject({ outcome: 'signed_in' });
    t.clock.advance(15 * 60_000);
    await expect(spray(100)).rejects.toMatchObject({ status: 401 });
  });

  it('records a logout', async () => {
    const user = await t.createUser('alice');
    const result = await login('alice', 'correct horse battery');
    if (result.outcome !== 'signed_in') throw new Error('expected a session');
    const session = (await t.core.sessions.resolve(result.session.token))!;
    await t.core.signIn.logout(session, { ip: '198.51.100.7' });
    expect(await t.core.sessions.resolve(result.session.token)).toBeUndefined();
    expect((await t.store.audit.list({ userId: user.id, type: 'logout' })).length).toBe(1);
  });

  it('records audit events for success and failure, without secrets', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const code = t.codeFor(secret);
    await login('alice', `correct horse battery${code}`);
    await login('alice', 'wrong password!').catch(() => {});
    const events = await t.store.audit.list({ userId: user.id });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['login.succeeded', 'login.failed', 'authenticator.added']),
    );
    const all = JSON.stringify(events);
    expect(all).not.toContain(code);
    expect(all).not.toContain(secret);
    expect(all).not.toContain('correct horse');
  });
});
