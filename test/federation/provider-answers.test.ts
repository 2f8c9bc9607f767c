import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PageClient, text } from '../helpers/page-client.js';
import { type ScriptedIdp, startScriptedIdp } from '../helpers/scripted-idp.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What Twofold does with each kind of answer from an external provider: a scripted provider
 * sends what a test asks for, over real HTTP; openid-client validates it; the browser is a
 * cookie jar over app.inject().
 */
describe('answers from an external identity provider', () => {
  let t: TestApp;
  let idp: ScriptedIdp;

  beforeAll(async () => {
    idp = await startScriptedIdp('twofold');
    t = await createTestApp();
    await t.core.identityProviders.add(
      {
        name: 'Corp',
        slug: 'corp',
        issuer: idp.issuer,
        clientId: 'twofold',
        clientSecret: 's3cret',
        matching: 'email',
      },
      'cli',
    );
  });

  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  beforeEach(() => {
    idp.claims = {};
    idp.refuseWith = undefined;
  });

  /** "Sign in with Corp", the provider's answer, and Twofold's response to it. */
  async function signIn(browser = new PageClient(t.app)) {
    const started = await browser.get('/login/idp/corp');
    expect(started.status).toBe(303);
    const atProvider = await fetch(started.location!, { redirect: 'manual' });
    const callback = new URL(atProvider.headers.get('location')!);
    const answer = await browser.get(callback.pathname + callback.search);
    return { browser, answer, page: text(answer.html) };
  }

  async function lastFailure() {
    const events = await t.store.audit.list({ limit: 20 });
    const event = events.find((e) => e.type === 'external_login.failed');
    return event && (JSON.parse(String(event.detail)) as Record<string, unknown>);
  }

  it('the login page offers the provider; a good answer signs the matching person in', async () => {
    const pat = await t.createUser('pat');
    const login = await new PageClient(t.app).get('/login');
    expect(text(login.html)).toContain('Sign in with Corp');
    const { answer, browser } = await signIn();
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/account');
    const session = await t.core.sessions.resolve(browser.sessionToken);
    expect(session?.user.id).toBe(pat.id);
    expect(JSON.parse(session?.row.external_sign_in ?? '{}')).toMatchObject({
      name: 'Corp',
      amr: [],
      acr: null,
    });
  });

  it('refuses an address the provider has not verified, under matching by e-mail', async () => {
    idp.claims = { sub: 'person-2', email: 'quinn@example.test', email_verified: false };
    await t.createUser('quinn');
    const { answer, page, browser } = await signIn();
    expect(answer.status).toBe(403);
    expect(page).toContain('quinn@example.test is not verified');
    expect(browser.sessionToken).toBeUndefined();
    expect(await lastFailure()).toMatchObject({ provider: 'Corp', reason: 'email_unverified' });
  });

  it('refuses an ID token made for another service, and one that has expired', async () => {
    idp.claims = { sub: 'person-3', aud: 'someone-else' };
    let { answer, page, browser } = await signIn();
    expect(answer.status).toBe(502);
    expect(page).toContain('did not pass');
    expect(browser.sessionToken).toBeUndefined();
    expect(await lastFailure()).toMatchObject({ reason: 'invalid_response' });

    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    idp.claims = { sub: 'person-3', iat: hourAgo - 300, exp: hourAgo };
    ({ answer, page, browser } = await signIn());
    expect(answer.status).toBe(502);
    expect(page).toContain('did not pass');
    expect(browser.sessionToken).toBeUndefined();
  });

  it('a sign-in cancelled at the provider is a page, not a session', async () => {
    idp.refuseWith = 'access_denied';
    const { answer, page, browser } = await signIn();
    expect(answer.status).toBe(403);
    expect(page).toContain('cancelled or refused at Corp');
    expect(browser.sessionToken).toBeUndefined();
    expect(await lastFailure()).toMatchObject({ reason: 'denied' });
  });

  it("trusts the provider's MFA when its acr is one the administrator named, and only then", async () => {
    await t.core.identityProviders.update(
      'corp',
      { mfaPolicy: 'trust_provider_mfa', mfaAcrValues: ['urn:corp:mfa'] },
      'cli',
    );
    const rae = await t.createUser('rae');
    await t.enrollTotp(rae);
    idp.claims = { sub: 'person-4', email: 'rae@example.test', acr: 'urn:corp:mfa' };
    let { answer, browser } = await signIn();
    expect(answer.location).toBe('/account');
    expect((await t.core.sessions.resolve(browser.sessionToken))?.row.amr).toBe('fed mfa');

    idp.claims = { sub: 'person-4', email: 'rae@example.test', acr: 'urn:corp:password' };
    ({ answer, browser } = await signIn());
    expect(answer.location).toBe('/login');
    const pending = await t.core.sessions.resolve(browser.sessionToken);
    expect(pending?.row.stage).toBe('password');
    expect(text((await browser.get('/login')).html)).toContain('Enter the 6-digit code');
  });

  it('administrators: never matched by e-mail, and always asked for a Twofold factor', async () => {
    await t.core.identityProviders.update('corp', { mfaPolicy: 'trust_provider' }, 'cli');
    const root = await t.createUser('root', undefined, { isAdmin: true });
    idp.claims = { sub: 'person-5', email: 'root@example.test', amr: ['pwd', 'otp', 'mfa'] };
    let { answer, page, browser } = await signIn();
    expect(answer.status).toBe(403);
    expect(page).toContain("administrator's");
    expect(browser.sessionToken).toBeUndefined();
    expect(await lastFailure()).toMatchObject({ reason: 'admin_not_matched' });

    // Linked by its owner, the provider signs the administrator in only with a Twofold code.
    await t.enrollTotp(root);
    await t.store.identityProviders.insertLink({
      provider_id: (await t.store.identityProviders.findBySlug('corp'))!.id,
      subject: 'person-5',
      user_id: root.id,
      email: 'root@example.test',
      linked_at: t.clock.now(),
      last_used_at: null,
    });
    ({ answer, browser } = await signIn());
    expect(answer.location).toBe('/login');
    expect((await t.core.sessions.resolve(browser.sessionToken))?.row.stage).toBe('password');
  });

  it('a change that repeats the stored values changes nothing and fetches nothing', async () => {
    const before = await t.core.identityProviders.show('corp');
    await idp.close();
    try {
      const after = await t.core.identityProviders.update(
        'corp',
        {
          issuer: before.issuer,
          clientId: before.clientId,
          clientSecret: 's3cret',
          mfaPolicy: 'always_twofold',
        },
        'cli',
      );
      expect(after.mfaPolicy).toBe('always_twofold');
      const events = await t.store.audit.list({ limit: 5 });
      const updated = events.find((e) => e.type === 'idp.updated');
      expect(JSON.parse(String(updated?.detail))).toMatchObject({ changed: 'mfa_policy' });
    } finally {
      idp = await startScriptedIdp('twofold', idp.issuer);
    }
  });

  it('an issuer with no discovery document is refused when saved, with what to check', async () => {
    await expect(
      t.core.identityProviders.add(
        { name: 'Elsewhere', issuer: `${idp.issuer}/realms/other`, clientId: 'twofold' },
        'cli',
      ),
    ).rejects.toThrow(/could not read the OpenID Connect discovery document/);
    expect(await t.store.identityProviders.findBySlug('elsewhere')).toBeUndefined();
  });
});
