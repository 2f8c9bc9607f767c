/**
 * Threat: guessing around the second factor with a key. Refused key answers must cost the same
 * as wrong codes (security rule 3 in docs/architecture.md): they are counted per user on the one second-factor throttle,
 * before they are checked, so mixing wrong codes and forged key answers does not buy extra
 * attempts, and a throttled user cannot slip through with a key answer either.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { throttleKeys } from '../../src/core/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createWebauthnTestApp, type WebauthnTestApp } from '../helpers/webauthn-app.js';
import type { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

let t: WebauthnTestApp;
let alice: UserRow;
let key: SoftwareAuthenticator;

beforeEach(async () => {
  t = await createWebauthnTestApp();
  alice = await t.createUser('alice');
  key = t.authenticator();
  await t.registerKey(await t.signedIn(alice), key);
});
afterEach(async () => t.close());

async function forgedAnswer(): Promise<number> {
  const pending = await t.passwordStep('alice');
  const started = await t.postJson('/login/security-key/options', pending);
  const response = key.assert(started.json().options, { origin: 'http://evil.example' });
  return (await t.postJson('/login/security-key', pending, { response })).statusCode;
}

describe('second-factor throttle with security keys', () => {
  it('counts refused key answers, then makes the next attempt wait — even a genuine one', async () => {
    for (let i = 0; i < 5; i++) expect(await forgedAnswer()).toBe(401);
    expect((await t.core.throttle.state(throttleKeys.secondFactor(alice.id)))?.failures).toBe(5);

    const pending = await t.passwordStep('alice');
    const started = await t.postJson('/login/security-key/options', pending);
    const genuine = key.assert(started.json().options);
    const throttled = await t.postJson('/login/security-key', pending, { response: genuine });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('shares the counter with wrong codes', async () => {
    const { secret } = await t.enrollTotp(alice);
    for (let i = 0; i < 3; i++) {
      const pending = await t.core.sessions.resolve((await t.passwordStep('alice')).token);
      if (!pending) throw new Error('setup');
      await expect(t.core.signIn.completeSecondFactor(pending, '000000')).rejects.toMatchObject({
        code: 'invalid_code',
      });
    }
    expect(await forgedAnswer()).toBe(401);
    expect(await forgedAnswer()).toBe(401);
    const pending = await t.core.sessions.resolve((await t.passwordStep('alice')).token);
    if (!pending) throw new Error('setup');
    await expect(t.core.signIn.completeSecondFactor(pending, t.codeFor(secret))).rejects.toMatchObject({
      code: 'throttled',
    });
  });

  it('forgets the failures after a genuine key answer', async () => {
    expect(await forgedAnswer()).toBe(401);
    expect(await forgedAnswer()).toBe(401);
    const pending = await t.passwordStep('alice');
    const ok = await t.postJson('/login/security-key', pending, {
      response: await t.loginAssertion(pending, key),
    });
    expect(ok.statusCode).toBe(200);
    expect((await t.core.throttle.state(throttleKeys.secondFactor(alice.id)))?.failures).toBe(0);
  });
});

/**
 * Threat: locking someone out by their credential id. A passkey login names its user by the
 * credential id alone, before any password: a stranger who learnt the id (it is listed to anyone
 * who once knew the password) must not be able to charge the user's second-factor counter with
 * forged answers, and so block and then lock the user's codes and keys.
 */
describe('passkey login, where no password comes first', () => {
  let passkey: SoftwareAuthenticator;

  beforeEach(async () => {
    passkey = t.authenticator({ userVerified: true });
    await t.registerKey(await t.signedIn(alice), passkey);
  });

  const passkeyLogin = async (overrides: { origin?: string; userVerified?: boolean } = {}) => {
    const options = await t.core.webauthn.startPasskeyLogin();
    return t.core.webauthn.passkeyLogin(passkey.assert(options, overrides), { kind: 'browser' });
  };

  it('does not count forged answers against the user: their codes still work', async () => {
    const { secret } = await t.enrollTotp(alice);
    for (let i = 0; i < 12; i++) {
      await expect(passkeyLogin({ origin: 'http://evil.example' })).rejects.toMatchObject({
        code: 'invalid_code',
      });
    }
    await expect(passkeyLogin({ userVerified: false })).rejects.toMatchObject({ code: 'invalid_code' });
    expect((await t.core.throttle.state(throttleKeys.secondFactor(alice.id)))?.failures ?? 0).toBe(0);

    const pending = await t.core.sessions.resolve((await t.passwordStep('alice')).token);
    if (!pending) throw new Error('setup');
    await expect(t.core.signIn.completeSecondFactor(pending, t.codeFor(secret))).resolves.toBeDefined();
  });

  it('still audits each refused answer', async () => {
    await expect(passkeyLogin({ origin: 'http://evil.example' })).rejects.toMatchObject({
      code: 'invalid_code',
    });
    const failed = await t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('type', '=', 'login.failed')
      .execute();
    expect(failed.map((row) => JSON.parse(row.detail))).toEqual([
      expect.objectContaining({ reason: 'webauthn_origin' }),
    ]);
  });

  it('refuses even the genuine key while wrong codes have the second factor blocked, and tells only its holder', async () => {
    for (let i = 0; i < 5; i++) expect(await forgedAnswer()).toBe(401);
    // A forged passkey answer learns nothing of the block: the same refusal as ever.
    await expect(passkeyLogin({ origin: 'http://evil.example' })).rejects.toMatchObject({
      code: 'invalid_code',
    });
    await expect(passkeyLogin()).rejects.toMatchObject({ code: 'throttled' });

    t.clock.advance(31_000);
    await expect(passkeyLogin()).resolves.toMatchObject({ user: { id: alice.id } });
    expect((await t.core.throttle.state(throttleKeys.secondFactor(alice.id)))?.failures).toBe(0);
  });
});
