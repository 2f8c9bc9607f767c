/**
 * Threat: a phishing site relaying WebAuthn. A look-alike site (or a reverse proxy under another
 * name) can show our login page and forward the person's key answer to us. The browser writes
 * the page's real origin into clientDataJSON and the authenticator signs it, with the hash of
 * the RP ID in its data; we accept only the origin and RP ID of TWOFOLD_PUBLIC_URL, so an
 * answer made on any other origin is refused — for registration, login, step-up and passkeys.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { createWebauthnTestApp, type WebauthnTestApp } from '../helpers/webauthn-app.js';
import type { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

let t: WebauthnTestApp;
let alice: UserRow;

beforeEach(async () => {
  t = await createWebauthnTestApp({ publicUrl: 'http://localhost:8080' });
  alice = await t.createUser('alice');
});
afterEach(async () => t.close());

const failures = async () =>
  (await t.store.db.selectFrom('audit_events').selectAll().where('type', '=', 'login.failed').execute()).map(
    (row) => JSON.parse(row.detail).reason as string,
  );

describe('wrong origin', () => {
  it('takes RP ID and origin from the public URL', async () => {
    expect(t.core.webauthn.rpId).toBe('localhost');
    expect(t.core.webauthn.expectedOrigin).toBe('http://localhost:8080');
    const session = await t.signedIn(alice);
    const started = await t.postJson('/account/security-keys/options', session);
    expect(started.json().options.rp).toEqual({ id: 'localhost', name: 'Twofold' });
  });

  for (const origin of ['http://localhost:9090', 'https://localhost:8080', 'http://evil.example']) {
    it(`refuses a registration made on ${origin}`, async () => {
      const session = await t.signedIn(alice);
      const started = await t.postJson('/account/security-keys/options', session);
      const response = t.authenticator({ origin }).register(started.json().options);
      const refused = await t.postJson('/account/security-keys', session, { response });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toMatch(/another website address/);
      expect(await t.store.authenticators.listActiveByUser(alice.id)).toEqual([]);
    });
  }

  it('refuses a registration for another RP ID', async () => {
    const session = await t.signedIn(alice);
    const started = await t.postJson('/account/security-keys/options', session);
    const response = t.authenticator({ rpId: 'evil.example' }).register(started.json().options);
    expect((await t.postJson('/account/security-keys', session, { response })).statusCode).toBe(400);
  });

  describe('with a registered key', () => {
    let key: SoftwareAuthenticator;
    beforeEach(async () => {
      key = t.authenticator();
      expect((await t.registerKey(await t.signedIn(alice), key)).statusCode).toBe(200);
    });

    it('refuses a login answer made on another origin, and audits why', async () => {
      const pending = await t.passwordStep('alice');
      const started = await t.postJson('/login/security-key/options', pending);
      const { options } = started.json<{ options: PublicKeyCredentialRequestOptionsJSON }>();
      const relayed = key.assert(options, { origin: 'http://localhost:9090' });
      const refused = await t.postJson('/login/security-key', pending, { response: relayed });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.message).toMatch(/another website address/);
      expect(await t.core.sessions.resolve(pending.token)).toMatchObject({ row: { stage: 'password' } });
      expect(await failures()).toContain('webauthn_origin');
    });

    it('refuses a login answer signed for another RP ID', async () => {
      const pending = await t.passwordStep('alice');
      const started = await t.postJson('/login/security-key/options', pending);
      const relayed = key.assert(started.json().options, { rpId: 'localhost.evil.example' });
      const refused = await t.postJson('/login/security-key', pending, { response: relayed });
      expect(refused.statusCode).toBe(401);
      expect(await failures()).toContain('webauthn_rp_id');
    });

    it('refuses a step-up answer made on another origin', async () => {
      const session = await t.signedIn(alice);
      const started = await t.postJson('/account/step-up/security-key/options', session);
      const relayed = key.assert(started.json().options, { origin: 'http://evil.example' });
      const refused = await t.postJson('/account/step-up/security-key', session, { response: relayed });
      expect(refused.statusCode).toBe(401);
    });

    it('refuses a passkey answer made on another origin', async () => {
      const options = await t.core.webauthn.startPasskeyLogin();
      await expect(
        t.core.webauthn.passkeyLogin(key.assert(options, { origin: 'http://evil.example' }), {
          kind: 'browser',
        }),
      ).rejects.toMatchObject({ code: 'invalid_code' });
    });
  });
});
