import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createWebauthnTestApp, sessionCookieOf, type WebauthnTestApp } from '../helpers/webauthn-app.js';

let t: WebauthnTestApp;
let alice: UserRow;

beforeEach(async () => {
  t = await createWebauthnTestApp();
  alice = await t.createUser('alice');
});
afterEach(async () => t.close());

const auditOf = async (type: string) =>
  (await t.store.db.selectFrom('audit_events').selectAll().where('type', '=', type).execute()).map(
    (row) => JSON.parse(row.detail) as Record<string, unknown>,
  );

describe('registering a security key from the account pages', () => {
  it('stores an active webauthn authenticator named after its kind, listed with the other devices', async () => {
    const session = await t.signedIn(alice);
    const response = await t.registerKey(session, t.authenticator());
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ redirect: '/account' });

    const rows = await t.store.authenticators.listActiveByUser(alice.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'webauthn',
      status: 'active',
      name: 'Security key',
      transports: 'usb',
    });
    expect(rows[0]?.public_key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await t.core.authenticators.list(alice)).toEqual([
      expect.objectContaining({
        kind: 'webauthn',
        name: 'Security key',
        backupEligible: false,
        backedUp: false,
      }),
    ]);
    expect(await auditOf('authenticator.added')).toEqual([expect.objectContaining({ kind: 'webauthn' })]);
  });

  it('keeps the name the person typed, numbers default names, and stores the backup flags of a passkey', async () => {
    const session = await t.signedIn(alice);
    expect((await t.registerKey(session, t.authenticator(), 'Blue key')).statusCode).toBe(200);
    expect((await t.registerKey(session, t.authenticator({ backupEligible: true }))).statusCode).toBe(200);
    expect((await t.registerKey(session, t.authenticator({ backupEligible: true }))).statusCode).toBe(200);
    const devices = await t.core.authenticators.list(alice);
    // One instant on the manual clock: compare by name, not by the order of creation.
    const byName = [...devices].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName.map((d) => [d.name, d.backupEligible, d.backedUp])).toEqual([
      ['Blue key', false, false],
      ['Passkey', true, true],
      ['Passkey 2', true, true],
    ]);
  });

  it('asks for a recent login: a session older than five minutes cannot start a registration', async () => {
    const session = await t.signedIn(alice);
    t.clock.advance(5 * 60_000 + 1);
    const response = await t.postJson('/account/security-keys/options', session);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.reason).toBe('reauthentication_required');
  });

  it('sends a user with a key and no recent second factor to step up with the key', async () => {
    const session = await t.signedIn(alice);
    await t.registerKey(session, t.authenticator());
    const later = await t.core.sessions.create({
      userId: alice.id,
      kind: 'browser',
      stage: 'full',
      secondFactorAt: t.clock.now() - 10 * 60_000,
    });
    const page = await t.app.inject({
      method: 'GET',
      url: '/account/security-keys/new',
      headers: { cookie: `twofold_session=${later.token}`, accept: 'text/html' },
    });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/account/step-up/security-key?next=%2Faccount%2Fsecurity-keys%2Fnew');
  });

  it('steps up with a key: the session gets a fresh second factor and a new id', async () => {
    const key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
    const stale = await t.core.sessions.create({
      userId: alice.id,
      kind: 'browser',
      stage: 'full',
      secondFactorAt: t.clock.now() - 10 * 60_000,
    });
    const session = { cookie: `twofold_session=${stale.token}`, csrf: stale.csrfToken, token: stale.token };
    expect((await t.postJson('/account/security-keys/options', session)).statusCode).toBe(401);

    const started = await t.postJson('/account/step-up/security-key/options', session);
    expect(started.statusCode, started.body).toBe(200);
    const stepped = await t.postJson('/account/step-up/security-key', session, {
      response: key.assert(started.json().options),
      next: '/account/security-keys/new',
    });
    expect(stepped.statusCode, stepped.body).toBe(200);
    expect(stepped.json()).toEqual({ redirect: '/account/security-keys/new' });
    expect(await t.core.sessions.resolve(stale.token)).toBeUndefined();
    const rotated = await t.core.sessions.resolve(sessionCookieOf(stepped).split('=')[1]);
    expect(rotated?.row.second_factor_at).toBe(t.clock.now());
    expect(await auditOf('step_up.succeeded')).toEqual([expect.objectContaining({ method: 'webauthn' })]);
  });

  it('refuses a registration without the session CSRF token', async () => {
    const session = await t.signedIn(alice);
    const response = await t.postJson('/account/security-keys/options', { ...session, csrf: 'forged' });
    expect(response.statusCode).toBe(403);
  });

  it('shows the setup page with the browser library and the page script, and no inline script', async () => {
    const session = await t.signedIn(alice);
    const page = await t.app.inject({
      method: 'GET',
      url: '/account/security-keys/new',
      headers: { cookie: session.cookie, accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Set up a security key</h1>');
    const scripts = [...page.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.map((m) => /src="([^"?]+)/.exec(m[1] ?? '')?.[1])).toEqual([
      '/static/webauthn/simplewebauthn-browser.js',
      '/static/webauthn/webauthn.js',
    ]);
    expect(scripts.every((m) => m[2] === '')).toBe(true);
    const library = await t.app.inject({ method: 'GET', url: '/static/webauthn/simplewebauthn-browser.js' });
    expect(library.statusCode).toBe(200);
    expect(library.body).toContain('SimpleWebAuthnBrowser');
  });
});

describe('logging in with a security key instead of a code', () => {
  let key: ReturnType<WebauthnTestApp['authenticator']>;

  beforeEach(async () => {
    key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
  });

  it('asks a user whose only factor is a key for it after the password, then signs in fully', async () => {
    const pending = await t.passwordStep('alice');
    const response = await t.postJson('/login/security-key', pending, {
      response: await t.loginAssertion(pending, key),
      next: '/account/password',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ redirect: '/account/password' });
    const session = await t.core.sessions.resolve(sessionCookieOf(response).split('=')[1]);
    expect(session?.row).toMatchObject({ stage: 'full', second_factor_at: t.clock.now() });
    // The pending id was rotated away: it no longer resolves.
    expect(await t.core.sessions.resolve(pending.token)).toBeUndefined();
    expect((await t.store.users.findById(alice.id))?.last_login_at).toBe(t.clock.now());
    expect(await auditOf('login.succeeded')).toContainEqual(expect.objectContaining({ method: 'webauthn' }));
  });

  it('offers the key page only to a password step, and sends a signed-in browser on', async () => {
    const none = await t.app.inject({
      method: 'GET',
      url: '/login/security-key',
      headers: { accept: 'text/html' },
    });
    expect(none.statusCode).toBe(303);
    expect(none.headers.location).toBe('/login?notice=expired');
    const pending = await t.passwordStep('alice');
    const page = await t.app.inject({
      method: 'GET',
      url: '/login/security-key',
      headers: { cookie: pending.cookie, accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Use your security key');
  });

  it('lets a user with a key and a TOTP device use either one', async () => {
    const { secret } = await t.enrollTotp(alice);
    const withKey = await t.passwordStep('alice');
    const byKey = await t.postJson('/login/security-key', withKey, {
      response: await t.loginAssertion(withKey, key),
    });
    expect(byKey.statusCode, byKey.body).toBe(200);

    const withCode = await t.passwordStep('alice');
    const session = await t.core.sessions.resolve(withCode.token);
    if (!session) throw new Error('no pending session');
    const full = await t.core.signIn.completeSecondFactor(session, t.codeFor(secret));
    expect(full.stage).toBe('full');
  });

  it('refuses a removed key, and still accepts the key that remains', async () => {
    const spare = t.authenticator();
    await t.registerKey(await t.signedIn(alice), spare, 'Spare');
    const session = await t.core.sessions.resolve((await t.signedIn(alice)).token);
    const first = (await t.store.authenticators.listActiveByUser(alice.id)).find((r) => r.name !== 'Spare');
    if (!session || !first) throw new Error('setup');
    await t.core.authenticators.remove(session, first.id);

    const pending = await t.passwordStep('alice');
    const started = await t.postJson('/login/security-key/options', pending);
    const { options } = started.json<{ options: PublicKeyCredentialRequestOptionsJSON }>();
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([spare.credentialId]);
    const refused = await t.postJson('/login/security-key', pending, { response: key.assert(options) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toMatch(/not registered for this account/);

    const accepted = await t.postJson('/login/security-key', pending, {
      response: await t.loginAssertion(pending, spare),
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
  });
});

describe('signing in with a passkey', () => {
  async function passkeyCsrf(): Promise<{ cookie: string; csrf: string }> {
    const page = await t.app.inject({
      method: 'GET',
      url: '/login/passkey',
      headers: { accept: 'text/html' },
    });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    const cookie = page.cookies.find((c) => c.name === 'twofold_csrf');
    if (!csrf || !cookie) throw new Error('no login CSRF token');
    return { cookie: `twofold_csrf=${cookie.value}`, csrf };
  }

  async function passkeyLogin(key: ReturnType<WebauthnTestApp['authenticator']>) {
    const { cookie, csrf } = await passkeyCsrf();
    const post = (url: string, payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { cookie, accept: 'application/json' },
        payload: { _csrf: csrf, ...payload },
      });
    const started = await post('/login/passkey/options', {});
    expect(started.statusCode, started.body).toBe(200);
    const { options } = started.json<{ options: PublicKeyCredentialRequestOptionsJSON }>();
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.allowCredentials ?? []).toEqual([]);
    return post('/login/passkey', { response: key.assert(options) });
  }

  it('signs in without password or code and counts as multi-factor', async () => {
    const key = t.authenticator({ userVerified: true });
    await t.registerKey(await t.signedIn(alice), key);
    const response = await passkeyLogin(key);
    expect(response.statusCode, response.body).toBe(200);
    const session = await t.core.sessions.resolve(sessionCookieOf(response).split('=')[1]);
    expect(session?.row).toMatchObject({
      stage: 'full',
      authenticated_at: t.clock.now(),
      second_factor_at: t.clock.now(),
    });
    expect(await auditOf('login.succeeded')).toContainEqual(expect.objectContaining({ method: 'passkey' }));
  });

  it('refuses a passkey whose authenticator did not verify the user', async () => {
    const key = t.authenticator({ userVerified: false });
    await t.registerKey(await t.signedIn(alice), key);
    const response = await passkeyLogin(key);
    expect(response.statusCode).toBe(401);
    expect(response.cookies.find((c) => c.name === 'twofold_session')).toBeUndefined();
    expect(await auditOf('login.failed')).toContainEqual(
      expect.objectContaining({ reason: 'webauthn_user_verification' }),
    );
  });

  it('refuses a credential nobody registered', async () => {
    const response = await passkeyLogin(t.authenticator());
    expect(response.statusCode).toBe(401);
    expect(response.json().error.message).toMatch(/not registered/);
  });
});

describe('two instances on one database', () => {
  it('finishes on one instance a ceremony begun on another', async () => {
    const other = new Core({
      store: t.store,
      keyring: Keyring.fromKeys([generateMasterKey()]),
      clock: t.clock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
    const otherApp = await buildApp({ core: other, logger: false });
    try {
      const session = await t.signedIn(alice);
      const started = await t.postJson('/account/security-keys/options', session);
      const response = t.authenticator().register(started.json().options);
      const finished = await otherApp.inject({
        method: 'POST',
        url: '/account/security-keys',
        headers: { cookie: session.cookie, accept: 'application/json' },
        payload: { _csrf: session.csrf, response },
      });
      expect(finished.statusCode, finished.body).toBe(200);
      // …and the first instance cannot finish it again.
      expect((await t.postJson('/account/security-keys', session, { response })).statusCode).toBe(410);
    } finally {
      await otherApp.close();
    }
  });
});

describe('session kinds', () => {
  it('does not take an API login token put in the cookie for a browser session', async () => {
    const api = await t.core.sessions.create({
      userId: alice.id,
      kind: 'api',
      stage: 'full',
      secondFactorAt: t.clock.now(),
    });
    const session = { cookie: `twofold_session=${api.token}`, csrf: api.csrfToken, token: api.token };
    expect((await t.postJson('/account/security-keys/options', session)).statusCode).toBe(401);
    expect((await t.postJson('/account/step-up/security-key/options', session)).statusCode).toBe(401);
  });
});
