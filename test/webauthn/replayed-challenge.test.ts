/**
 * Threat: a replayed WebAuthn response. Anyone who sees one signed answer — in a proxy log, a
 * browser extension, a HAR file attached to a bug report — could send it again to log in or
 * register as the user, unless each challenge works once. Challenges are random, stored in the
 * database with a 5-minute life, tied to the user and the ceremony they were made for, and
 * deleted by the same statement that finds them, so a second use (even a racing one on another
 * instance) finds nothing.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
  const registered = await t.registerKey(await t.signedIn(alice), key);
  expect(registered.statusCode, registered.body).toBe(200);
});
afterEach(async () => t.close());

async function loginOptions(pending: Awaited<ReturnType<WebauthnTestApp['passwordStep']>>) {
  const started = await t.postJson('/login/security-key/options', pending);
  return started.json<{ options: PublicKeyCredentialRequestOptionsJSON }>().options;
}

describe('replayed challenge', () => {
  it('accepts a login answer once; the same body sent again is refused', async () => {
    const first = await t.passwordStep('alice');
    const response = await t.loginAssertion(first, key);
    const accepted = await t.postJson('/login/security-key', first, { response });
    expect(accepted.statusCode, accepted.body).toBe(200);

    // A second password step (the attacker knows the password) with the captured answer.
    const second = await t.passwordStep('alice');
    const replayed = await t.postJson('/login/security-key', second, { response });
    expect(replayed.statusCode).toBe(410);
    expect(replayed.json().error.message).toMatch(/expired or was already used/);
    expect(await t.core.sessions.resolve(second.token)).toMatchObject({ row: { stage: 'password' } });
  });

  it('lets two simultaneous uses of one answer produce one login', async () => {
    const pending = await t.passwordStep('alice');
    const other = await t.passwordStep('alice');
    const response = await t.loginAssertion(pending, key);
    const results = await Promise.all([
      t.postJson('/login/security-key', pending, { response }),
      t.postJson('/login/security-key', other, { response }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 410]);
  });

  it('spends the challenge on a failed answer too', async () => {
    const pending = await t.passwordStep('alice');
    const options = await loginOptions(pending);
    const wrongSite = key.assert(options, { origin: 'http://localhost:9999' });
    expect((await t.postJson('/login/security-key', pending, { response: wrongSite })).statusCode).toBe(401);
    const honest = key.assert(options);
    expect((await t.postJson('/login/security-key', pending, { response: honest })).statusCode).toBe(410);
  });

  it('refuses an answer after five minutes', async () => {
    const pending = await t.passwordStep('alice');
    const options = await loginOptions(pending);
    t.clock.advance(5 * 60_000);
    const late = await t.core.webauthn
      .verifySecondFactor(alice, key.assert(options), { purpose: 'login' })
      .catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'expired' });
  });

  it('refuses a challenge made for another user', async () => {
    const bob = await t.createUser('bob');
    const bobsKey = t.authenticator();
    await t.registerKey(await t.signedIn(bob), bobsKey);
    const bobsOptions = await t.core.webauthn.startSecondFactor(bob);
    // Alice's key signs the challenge issued to Bob: no challenge of Alice's matches.
    await expect(
      t.core.webauthn.verifySecondFactor(alice, key.assert(bobsOptions), { purpose: 'login' }),
    ).rejects.toMatchObject({ code: 'expired' });
  });

  it('refuses a registration challenge used to log in, and a login challenge used to register', async () => {
    const session = await t.signedIn(alice);
    const creation = await t.postJson('/account/security-keys/options', session);
    const { options: creationOptions } = creation.json();
    const asLogin = key.assert({ challenge: creationOptions.challenge, rpId: 'localhost' });
    await expect(
      t.core.webauthn.verifySecondFactor(alice, asLogin, { purpose: 'login' }),
    ).rejects.toMatchObject({ code: 'expired' });

    const requestOptions = await t.core.webauthn.startSecondFactor(alice);
    const newKey = t.authenticator();
    const asRegistration = newKey.register({ ...creationOptions, challenge: requestOptions.challenge });
    const refused = await t.postJson('/account/security-keys', session, { response: asRegistration });
    expect(refused.statusCode).toBe(410);
  });

  it('accepts a registration answer once', async () => {
    const session = await t.signedIn(alice);
    const started = await t.postJson('/account/security-keys/options', session);
    const response = t.authenticator().register(started.json().options);
    expect((await t.postJson('/account/security-keys', session, { response })).statusCode).toBe(200);
    expect((await t.postJson('/account/security-keys', session, { response })).statusCode).toBe(410);
  });
});
