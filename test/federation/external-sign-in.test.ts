import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.js';
import { launchChromium } from '../helpers/browser.js';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import {
  authorizationRequest,
  type Deployment,
  newDeployment,
  openAdmin,
  PASSWORD,
  redeem,
  relyingParty,
  type ServiceEndpoint,
  startServiceEndpoint,
  startTwofold,
  submitCode,
  submitPassword,
  type TwofoldInstance,
  totpAt,
  userWithTotp,
  waitForCallback,
} from '../helpers/relying-party.js';
import { freePort } from '../helpers/serve-process.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';

type Admin = { core: Core; close(): Promise<void> };

const isCallback = (slug: string) => (url: URL) => url.pathname === `/login/idp/${slug}/callback`;

/**
 * Signing in to Twofold with an external OpenID Connect provider. The provider is a second
 * `twofold serve` with its own data and its own users (reached through a TCP proxy, so the test
 * can make it unreachable); Chromium walks both sites' real pages; codes come from oathtool.
 *
 * At the provider, "Front door" asks only for the password (its ID token says amr pwd) and
 * "Front door MFA" asks for the provider's own code too (amr pwd otp mfa).
 */
describe('Sign in with an external identity provider', () => {
  const idpDir = makeTempDir();
  const dir = makeTempDir();
  let idpDeployment: Deployment;
  let deployment: Deployment;
  let idp: TwofoldInstance;
  let idpUrl: string;
  let proxy: TcpProxy;
  let twofold: TwofoldInstance;
  let idpAdmin: Admin;
  let admin: Admin;
  let browser: Browser;
  let service: ServiceEndpoint;
  let vault: { clientId: string; secret: string };
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    await assertOathtoolInstalled();
    const idpPort = await freePort();
    proxy = new TcpProxy('127.0.0.1', idpPort);
    await proxy.start();
    // Another host name than Twofold's own (localhost), so the browser keeps their cookies apart.
    idpUrl = `http://127.0.0.1:${proxy.port}`;
    idpDeployment = newDeployment(idpDir.path);
    idp = await startTwofold(idpDeployment, { port: idpPort, publicUrl: idpUrl });
    idpAdmin = await openAdmin(idpDeployment);

    deployment = newDeployment(dir.path);
    const port = await freePort();
    twofold = await startTwofold(deployment, { port });
    admin = await openAdmin(deployment);

    for (const [name, slug, mfaPolicy] of [
      ['Front door', 'staff', 'not_required'],
      ['Front door MFA', 'staff-mfa', 'required'],
    ] as const) {
      const { service: registered, clientSecret } = await idpAdmin.core.services.register(
        {
          name,
          redirectUris: [`${twofold.url}/login/idp/${slug}/callback`],
          mfaPolicy,
          skipConsent: true,
        },
        'cli',
      );
      secrets[slug] = clientSecret ?? '';
      await admin.core.identityProviders.add(
        {
          name: slug === 'staff' ? 'Staff' : 'Staff MFA',
          slug,
          issuer: idpUrl,
          clientId: registered.clientId,
          clientSecret,
          matching: 'email',
        },
        'cli',
      );
    }

    service = await startServiceEndpoint();
    const registered = await admin.core.services.register(
      { name: 'Vault', redirectUris: [service.redirectUri], mfaPolicy: 'required', skipConsent: true },
      'cli',
    );
    vault = { clientId: registered.service.clientId, secret: registered.clientSecret ?? '' };
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await admin?.close();
    await idpAdmin?.close();
    await twofold?.server.stop();
    await idp?.server.stop();
    await proxy?.cut();
    dir.remove();
    idpDir.remove();
  });

  async function configure(slug: string, change: Parameters<Core['identityProviders']['update']>[1]) {
    await admin.core.identityProviders.update(slug, change, 'cli');
  }

  /** A person at the provider; with a TOTP device when the provider's MFA door is to be used. */
  async function idpPerson(username: string, withTotp = false): Promise<string | undefined> {
    if (withTotp) return (await userWithTotp(idpAdmin.core, username)).secret;
    await idpAdmin.core.accounts.createUser({
      username,
      email: `${username}@example.test`,
      password: PASSWORD,
    });
    return undefined;
  }

  async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    return { context, page: await context.newPage() };
  }

  /** Twofold's login page → "Sign in with <name>" → the provider's login (and its code). */
  async function signInWith(page: Page, name: string, username: string, idpSecret?: string): Promise<void> {
    await page.goto(`${twofold.url}/login`);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: `Sign in with ${name}`, exact: true }).click(),
    ]);
    expect(new URL(page.url()).origin).toBe(idpUrl);
    await submitPassword(page, username);
    if (idpSecret) {
      await page.locator('form[action="/login/code"]').waitFor();
      await submitCode(page, await totpAt(idpSecret));
    }
    await page.waitForURL((url) => url.origin === twofold.url);
  }

  /** Twofold's login page → "Sign in with <name>" → the provider's login page, no further. */
  async function startAtProvider(page: Page, name: string): Promise<void> {
    await page.goto(`${twofold.url}/login`);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: `Sign in with ${name}`, exact: true }).click(),
    ]);
    await page.locator('form[action="/login"]').waitFor();
  }

  async function lastSessionOf(userId: string) {
    const rows = await admin.core.store.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows[0];
  }

  async function lastAudit(type: string) {
    const events = await admin.core.store.audit.list({ limit: 50 });
    const event = events.find((e) => e.type === type);
    return event && { ...event, detail: JSON.parse(String(event.detail ?? '{}')) as Record<string, unknown> };
  }

  it('trust the provider (seed 003): no Twofold code even with TOTP set up; a required service asks for it', async () => {
    await configure('staff', { mfaPolicy: 'trust_provider', matching: 'email' });
    await idpPerson('ivy');
    const ivy = await userWithTotp(admin.core, 'ivy');
    const { context, page } = await freshPage();
    await signInWith(page, 'Staff', 'ivy');
    // Back at Twofold, signed in, and never shown the one-time code step.
    expect(new URL(page.url()).pathname).toBe('/account');
    const account = await page.locator('main').textContent();
    expect(account).toContain('ivy@example.test');
    // Matched by verified e-mail, and linked for next time.
    expect(await page.locator('section[aria-labelledby="providers-heading"]').textContent()).toContain(
      'Staff',
    );
    const session = await lastSessionOf(ivy.id);
    expect(session?.amr).toBe('fed');
    expect(JSON.parse(session?.external_sign_in ?? 'null')).toMatchObject({ name: 'Staff', amr: ['pwd'] });
    expect((await lastAudit('external_login.succeeded'))?.detail).toMatchObject({
      provider: 'Staff',
      policy: 'trust_provider',
      second_factor: 'none',
    });

    // A service that requires MFA is not satisfied by that: only the Twofold code is asked.
    const config = await relyingParty(twofold.url, vault.clientId, vault.secret);
    const request = await authorizationRequest(config, service);
    service.arrived.length = 0;
    await page.goto(request.url.href);
    expect(new URL(page.url()).pathname).toBe('/account/verify');
    await page.fill('input[name=otp]', await totpAt(ivy.secret));
    await Promise.all([
      page.waitForNavigation(),
      page.locator('main form button[type=submit]').first().click(),
    ]);
    const tokens = await redeem(config, await waitForCallback(service, page), request);
    expect(tokens.claims()?.sub).toBe(ivy.id);
    expect(tokens.claims()?.amr).toEqual(['otp', 'fed', 'mfa']);
    expect(tokens.claims()?.acr).toBe('urn:twofold:acr:mfa');
    await context.close();
  });

  it("trust the provider's MFA: a password-only sign-in there asks for a Twofold code, an MFA one does not", async () => {
    await configure('staff', { mfaPolicy: 'trust_provider_mfa' });
    await configure('staff-mfa', { mfaPolicy: 'trust_provider_mfa' });
    await idpPerson('jon');
    const jon = await userWithTotp(admin.core, 'jon');
    let { context, page } = await freshPage();
    await signInWith(page, 'Staff', 'jon');
    await page.locator('form[action="/login/code"]').waitFor();
    expect(await page.locator('main').textContent()).toContain('jon');
    await submitCode(page, await totpAt(jon.secret));
    expect(new URL(page.url()).pathname).toBe('/account');
    expect((await lastSessionOf(jon.id))?.amr).toBe('otp fed mfa');
    await context.close();

    const kim = await idpPerson('kim', true);
    const kimHere = await userWithTotp(admin.core, 'kim');
    ({ context, page } = await freshPage());
    await signInWith(page, 'Staff MFA', 'kim', kim);
    expect(new URL(page.url()).pathname).toBe('/account');
    expect((await lastSessionOf(kimHere.id))?.amr).toBe('fed mfa');
    // The provider's MFA counts for a required service: it signs in without asking anything.
    const config = await relyingParty(twofold.url, vault.clientId, vault.secret);
    const request = await authorizationRequest(config, service);
    service.arrived.length = 0;
    await page.goto(request.url.href);
    const tokens = await redeem(config, await waitForCallback(service, page), request);
    expect(tokens.claims()?.amr).toEqual(['fed', 'mfa']);
    await context.close();
  });

  it('always require a Twofold factor: asked even after an MFA sign-in at the provider; refused without one', async () => {
    await configure('staff-mfa', { mfaPolicy: 'always_twofold' });
    const lee = await idpPerson('lee', true);
    const leeHere = await userWithTotp(admin.core, 'lee');
    let { context, page } = await freshPage();
    await signInWith(page, 'Staff MFA', 'lee', lee);
    await page.locator('form[action="/login/code"]').waitFor();
    await submitCode(page, await totpAt(leeHere.secret));
    expect(new URL(page.url()).pathname).toBe('/account');
    await context.close();

    // No Twofold factor to ask for: a page that says so, and no session.
    const max = await idpPerson('max', true);
    const { user: maxHere } = await admin.core.accounts.createUser({
      username: 'max',
      email: 'max@example.test',
      password: PASSWORD,
    });
    ({ context, page } = await freshPage());
    const answer = page.waitForResponse((r) => r.url().includes('/login/idp/staff-mfa/callback'));
    await signInWith(page, 'Staff MFA', 'max', max);
    expect((await answer).status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('needs a second factor from this server');
    expect(await lastSessionOf(maxHere.id)).toBeUndefined();
    expect((await lastAudit('external_login.failed'))?.detail).toMatchObject({ reason: 'no_twofold_factor' });
    await context.close();
  });

  it('linked only: refused until the person links the provider from the account page; unlink', async () => {
    await configure('staff', { mfaPolicy: 'trust_provider', matching: 'linked' });
    await idpPerson('nia');
    const nia = await userWithTotp(admin.core, 'nia');
    const { context, page } = await freshPage();
    const answer = page.waitForResponse((r) => r.url().includes('/login/idp/staff/callback'));
    await signInWith(page, 'Staff', 'nia');
    expect((await answer).status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('not linked to an account here');

    // Signed in the usual way (recent, with the code), the person links the provider.
    await page.goto(`${twofold.url}/login`);
    await page.fill('input[name=username]', 'nia');
    await page.fill('input[name=password]', `${PASSWORD}${await totpAt(nia.secret)}`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
    const linked = page.waitForResponse((r) => isCallback('staff')(new URL(r.url())));
    await page.getByRole('button', { name: 'Link Staff', exact: true }).click();
    await linked;
    await page.waitForURL((url) => url.origin === twofold.url && url.pathname === '/account');
    // Still signed in at the provider in this browser: straight back.
    expect(await page.locator('main').textContent()).toContain('Your account is now linked to Staff');
    expect((await lastAudit('idp.linked'))?.detail).toMatchObject({ provider: 'Staff', by: 'person' });

    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Log out' }).first().click(),
    ]);
    // Still signed in at the provider: "Sign in with Staff" comes straight back, signed in here.
    await page.goto(`${twofold.url}/login`);
    const back = page.waitForResponse((r) => isCallback('staff')(new URL(r.url())));
    await page.getByRole('button', { name: 'Sign in with Staff', exact: true }).click();
    await back;
    await page.waitForURL((url) => url.origin === twofold.url && url.pathname === '/account');
    expect((await lastSessionOf(nia.id))?.amr).toBe('fed');

    // Unlinking is a sensitive action: this session has no fresh code, so the code is asked first.
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unlink Staff' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/account/verify');
    await context.close();
  });

  it('create: a new account for an allowed domain; another domain is refused; the only way in stays', async () => {
    await configure('staff', {
      mfaPolicy: 'trust_provider',
      matching: 'create',
      emailDomains: ['example.test'],
    });
    await idpPerson('olga');
    let { context, page } = await freshPage();
    await signInWith(page, 'Staff', 'olga');
    expect(new URL(page.url()).pathname).toBe('/account');
    const olga = await admin.core.store.users.findByUsername('olga');
    expect(olga?.email).toBe('olga@example.test');
    expect(olga?.password_hash).toBeNull();
    // Unlink within the first minutes (recent enough, no factor to ask): refused, it is the only way in.
    await page.getByRole('button', { name: 'Unlink Staff' }).click();
    await page.waitForLoadState();
    expect(await page.locator('main').textContent()).toContain('your only way to sign in');
    expect(await admin.core.store.identityProviders.listLinksOfUser(olga!.id)).toHaveLength(1);
    // A service that requires MFA: olga has no second factor to step up with, so a page says so.
    const config = await relyingParty(twofold.url, vault.clientId, vault.secret);
    const request = await authorizationRequest(config, service);
    service.arrived.length = 0;
    const refused = await page.goto(request.url.href);
    expect(refused?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Vault needs two-factor authentication');
    expect(service.arrived).toEqual([]);
    await context.close();

    await configure('staff', { emailDomains: ['other.test'] });
    await idpPerson('pia');
    ({ context, page } = await freshPage());
    const answer = page.waitForResponse((r) => r.url().includes('/login/idp/staff/callback'));
    await signInWith(page, 'Staff', 'pia');
    expect((await answer).status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('only for addresses at other.test');
    expect(await admin.core.store.users.findByUsername('pia')).toBeUndefined();
    await context.close();
  });

  it('refuses a replayed callback, a tampered state, another browser, and a nonce that does not match', async () => {
    await configure('staff', { mfaPolicy: 'trust_provider', matching: 'email' });
    await idpPerson('quin');
    const { user: quin } = await admin.core.accounts.createUser({
      username: 'quin',
      email: 'quin@example.test',
      password: PASSWORD,
    });

    let { context, page } = await freshPage();
    let callback: string | undefined;
    page.on('request', (request) => {
      if (isCallback('staff')(new URL(request.url()))) callback ??= request.url();
    });
    await signInWith(page, 'Staff', 'quin');
    expect(new URL(page.url()).pathname).toBe('/account');
    // The same answer again: refused, it was used.
    const replay = await page.goto(callback!);
    expect(replay?.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('already used');
    const tampered = new URL(callback!);
    tampered.searchParams.set('state', 'forged');
    expect((await page.goto(tampered.href))?.status()).toBe(400);
    expect((await lastAudit('external_login.failed'))?.detail).toMatchObject({ reason: 'state_unknown' });
    // Still signed in from the first answer; the link made by e-mail can be removed (a password remains).
    await page.goto(`${twofold.url}/account`);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unlink Staff' }).click()]);
    expect(await page.locator('main').textContent()).toContain('Staff is no longer linked to your account');
    expect(await admin.core.store.identityProviders.listLinksOfUser(quin.id)).toEqual([]);
    expect((await lastAudit('idp.unlinked'))?.detail).toMatchObject({ provider: 'Staff' });
    await context.close();

    // The answer reaches a browser without the cookie of the one that started (login CSRF).
    ({ context, page } = await freshPage());
    await startAtProvider(page, 'Staff');
    await context.clearCookies({ name: 'twofold_idp' });
    let answer = page.waitForResponse((r) => isCallback('staff')(new URL(r.url())));
    await submitPassword(page, 'quin');
    expect((await answer).status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('different browser');
    await context.close();

    // A nonce that differs from the one the ID token carries: refused by openid-client's checks.
    ({ context, page } = await freshPage());
    await startAtProvider(page, 'Staff');
    await admin.core.store.db.updateTable('external_sign_ins').set({ nonce: 'not-the-one-sent' }).execute();
    answer = page.waitForResponse((r) => isCallback('staff')(new URL(r.url())));
    await submitPassword(page, 'quin');
    expect((await answer).status()).toBe(502);
    expect(await page.locator('main').textContent()).toContain('did not pass');
    expect(await lastSessionOf(quin.id)).toMatchObject({ amr: 'fed' });
    expect(
      (await admin.core.store.db.selectFrom('sessions').selectAll().where('user_id', '=', quin.id).execute())
        .length,
    ).toBe(1);
    await context.close();
  });

  it('a wrong client secret, and a provider that cannot be reached, each get a page and no session', async () => {
    await configure('staff', { clientSecret: 'tf_cs_not-the-secret' });
    await idpPerson('rae');
    const { user: rae } = await admin.core.accounts.createUser({
      username: 'rae',
      email: 'rae@example.test',
      password: PASSWORD,
    });
    let { context, page } = await freshPage();
    let answer = page.waitForResponse((r) => r.url().includes('/login/idp/staff/callback'));
    await signInWith(page, 'Staff', 'rae');
    expect((await answer).status()).toBe(502);
    expect(await page.locator('main').textContent()).toContain('refused to complete the sign-in');
    expect(await lastSessionOf(rae.id)).toBeUndefined();
    expect((await lastAudit('external_login.failed'))?.detail).toMatchObject({ reason: 'refused' });
    await context.close();
    await configure('staff', { clientSecret: secrets.staff });

    // The provider cannot be reached when the sign-in starts (its settings were just changed, so
    // Twofold reads its discovery document again).
    await proxy.cut();
    await configure('staff', { scopes: ['openid', 'email', 'profile'] });
    ({ context, page } = await freshPage());
    await page.goto(`${twofold.url}/login`);
    answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/login/idp/staff');
    await page.getByRole('button', { name: 'Sign in with Staff', exact: true }).click();
    expect((await answer).status()).toBe(502);
    expect(await page.locator('main').textContent()).toContain('could not be reached');
    expect(await lastSessionOf(rae.id)).toBeUndefined();
    await proxy.start(proxy.port);
    await context.close();
  });
});
