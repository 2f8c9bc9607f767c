import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.js';
import { launchChromium } from '../helpers/browser.js';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import {
  authorizationRequest,
  client,
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
import { makeTempDir } from '../helpers/temp-dir.js';

const MFA = 'urn:twofold:acr:mfa';
const PASSWORD_ONLY = 'urn:twofold:acr:password';

/**
 * Services signing people in through `twofold serve`: openid-client as the relying party (it
 * checks the ID token's signature against the JWKS, iss, aud, nonce and exp), Chromium through
 * Twofold's own pages, codes from oathtool.
 */
describe('OpenID Connect: a service signs people in through Twofold', () => {
  const dir = makeTempDir();
  let deployment: Deployment;
  let twofold: TwofoldInstance;
  let admin: { core: Core; close(): Promise<void> };
  let browser: Browser;
  let rp: ServiceEndpoint;
  const services: Record<string, { clientId: string; secret: string }> = {};

  beforeAll(async () => {
    await assertOathtoolInstalled();
    deployment = newDeployment(dir.path);
    twofold = await startTwofold(deployment);
    admin = await openAdmin(deployment);
    rp = await startServiceEndpoint();
    for (const [name, mfaPolicy] of [
      ['Wiki', 'required'],
      ['Chat', 'user_choice'],
    ] as const) {
      const { service, clientSecret } = await admin.core.services.register(
        {
          name,
          redirectUris: [rp.redirectUri],
          logoutUris: [rp.logoutUri],
          mfaPolicy,
          skipConsent: name === 'Chat',
        },
        'cli',
      );
      services[name] = { clientId: service.clientId, secret: clientSecret ?? '' };
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await admin?.close();
    await twofold?.server.stop();
    dir.remove();
  });

  /** A browser of its own (no cookies), and where the service's callbacks arrive from now on. */
  async function fresh(): Promise<{ context: BrowserContext; arrived: ServiceEndpoint }> {
    rp.arrived.length = 0;
    return { context: await browser.newContext(), arrived: rp };
  }

  it('publishes discovery at the well-known path, with the issuer, PKCE S256 and the acr values', async () => {
    const response = await fetch(`${twofold.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(twofold.url);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.acr_values_supported).toEqual([PASSWORD_ONLY, MFA, 'urn:twofold:acr:phishing-resistant']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'RS256']),
    );
    expect(twofold.server.output()).toContain(`OpenID Connect issuer ${twofold.url}`);
    const jwks = (await (await fetch(String(metadata.jwks_uri))).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    // Public keys only.
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('a required service: password, then the code; ID token, userinfo, refresh with rotation, logout', async () => {
    const ann = await userWithTotp(admin.core, 'ann');
    const wiki = services.Wiki!;
    const config = await relyingParty(twofold.url, wiki.clientId, wiki.secret);
    const request = await authorizationRequest(config, rp, {
      scope: 'openid profile email offline_access',
      prompt: 'consent',
    });
    const { context, arrived } = await fresh();
    const page = await context.newPage();
    await page.goto(request.url.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    await submitPassword(page, 'ann');
    // The service requires MFA: the code step, and no way around it.
    await page.locator('form[action="/login/code"]').waitFor();
    await submitCode(page, await totpAt(ann.secret));
    // First sign-in with consent asked for: what the service will read.
    expect((await page.locator('h1').textContent())?.trim()).toBe('Sign in to Wiki');
    expect(await page.locator('main').textContent()).toContain('your e-mail address');
    await Promise.all([page.waitForNavigation(), page.click('button[value=allow]')]);
    const callback = await waitForCallback(arrived, page);

    const tokens = await redeem(config, callback, request);
    const claims = tokens.claims();
    expect(claims?.sub).toBe(ann.id);
    expect(claims?.iss).toBe(twofold.url);
    expect(claims?.aud).toBe(wiki.clientId);
    expect(claims?.acr).toBe(MFA);
    expect(claims?.amr).toEqual(['pwd', 'otp', 'mfa']);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, ann.id);
    expect(userinfo).toMatchObject({
      sub: ann.id,
      preferred_username: 'ann',
      email: 'ann@example.test',
      email_verified: true,
      name: 'ann',
    });

    // Refresh tokens rotate: the new one works, the old one is refused from then on.
    const firstRefresh = tokens.refresh_token;
    expect(firstRefresh).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, firstRefresh!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(firstRefresh);
    expect(refreshed.claims()?.sub).toBe(ann.id);
    await expect(client.refreshTokenGrant(config, firstRefresh!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // The sign-in is on record for the person and administrators.
    const events = await admin.core.store.audit.list({ userId: ann.id, limit: 50 });
    const signIn = events.find((event) => event.type === 'service.signed_in');
    expect(JSON.parse(signIn?.detail ?? '{}')).toMatchObject({
      service: 'Wiki',
      amr: 'pwd otp mfa',
      acr: MFA,
    });

    // RP-initiated logout ends the Twofold session as well.
    const logout = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: rp.logoutUri,
    });
    await page.goto(logout.href);
    expect((await page.locator('h1').textContent())?.trim()).toBe('Log out of Twofold?');
    await page.click('button[value=yes]');
    const back = await waitForCallback(arrived, page, 2);
    expect(back.origin + back.pathname).toBe(rp.logoutUri);
    await page.goto(`${twofold.url}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });

  it("user's choice with MFA turned off: the password alone, password-only acr; asked for MFA, the code", async () => {
    const bob = await userWithTotp(admin.core, 'bob');
    const chat = services.Chat!;
    const row = await admin.core.store.services.findByClientId(chat.clientId);
    await admin.core.store.services.setMfaOff(bob.id, row!.id, true, Date.now());
    const config = await relyingParty(twofold.url, chat.clientId, chat.secret);
    const { context, arrived } = await fresh();
    const page = await context.newPage();

    const first = await authorizationRequest(config, rp);
    await page.goto(first.url.href);
    await submitPassword(page, 'bob');
    const callback = await waitForCallback(arrived, page);
    const tokens = await redeem(config, callback, first);
    expect(tokens.claims()?.acr).toBe(PASSWORD_ONLY);
    expect(tokens.claims()?.amr).toEqual(['pwd']);

    // The same service asking for multi-factor gets it, whatever bob chose.
    const second = await authorizationRequest(config, rp, { acr_values: MFA });
    await page.goto(second.url.href);
    await page.locator('form[action="/login/code"]').waitFor();
    expect(await page.locator('input[name=password]').count()).toBe(0);
    await submitCode(page, await totpAt(bob.secret));
    const mfaTokens = await redeem(config, await waitForCallback(arrived, page, 2), second);
    expect(mfaTokens.claims()?.acr).toBe(MFA);
    expect(mfaTokens.claims()?.amr).toEqual(['pwd', 'otp', 'mfa']);
    await context.close();
  });

  it('step-up: a password-only session reaching a required service is asked for the code alone', async () => {
    const cleo = await userWithTotp(admin.core, 'cleo');
    const chatRow = await admin.core.store.services.findByClientId(services.Chat!.clientId);
    await admin.core.store.services.setMfaOff(cleo.id, chatRow!.id, true, Date.now());
    const chat = await relyingParty(twofold.url, services.Chat!.clientId, services.Chat!.secret);
    const wiki = await relyingParty(twofold.url, services.Wiki!.clientId, services.Wiki!.secret);
    const { context, arrived } = await fresh();
    const page = await context.newPage();

    const toChat = await authorizationRequest(chat, rp);
    await page.goto(toChat.url.href);
    await submitPassword(page, 'cleo');
    expect((await redeem(chat, await waitForCallback(arrived, page), toChat)).claims()?.acr).toBe(
      PASSWORD_ONLY,
    );

    const toWiki = await authorizationRequest(wiki, rp);
    await page.goto(toWiki.url.href);
    await page.locator('form[action="/login/code"]').waitFor();
    expect(await page.locator('input[name=password]').count()).toBe(0);
    await submitCode(page, await totpAt(cleo.secret));
    expect((await page.locator('h1').textContent())?.trim()).toBe('Sign in to Wiki');
    await Promise.all([page.waitForNavigation(), page.click('button[value=allow]')]);
    const tokens = await redeem(wiki, await waitForCallback(arrived, page, 2), toWiki);
    expect(tokens.claims()?.acr).toBe(MFA);

    // Now signed in with MFA: the next visit to the service needs nothing at all.
    const again = await authorizationRequest(wiki, rp);
    await page.goto(again.url.href);
    const silent = await redeem(wiki, await waitForCallback(arrived, page, 3), again);
    expect(silent.claims()?.sub).toBe(cleo.id);
    expect(silent.claims()?.acr).toBe(MFA);
    await context.close();
  });

  it('refuses an unknown service and an unregistered redirect URI with a page, never a redirect', async () => {
    const { context } = await fresh();
    const page = await context.newPage();
    const unknown = await page.goto(
      `${twofold.url}/oidc/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(rp.redirectUri)}`,
    );
    expect(unknown?.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('not registered with Twofold');

    const config = await relyingParty(twofold.url, services.Wiki!.clientId, services.Wiki!.secret);
    const elsewhere = await authorizationRequest(config, rp, { redirect_uri: `${rp.origin}/steal` });
    const refused = await page.goto(elsewhere.url.href);
    expect(refused?.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('has not registered');
    expect(rp.arrived).toEqual([]);
    await context.close();
  });

  it('refuses a request without PKCE, and a code redeemed twice revokes what it issued', async () => {
    const dora = await userWithTotp(admin.core, 'dora');
    const config = await relyingParty(twofold.url, services.Wiki!.clientId, services.Wiki!.secret);
    const { context, arrived } = await fresh();
    const page = await context.newPage();

    const noPkce = new URL(`${twofold.url}/oidc/auth`);
    noPkce.search = new URLSearchParams({
      client_id: services.Wiki!.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: rp.redirectUri,
    }).toString();
    await page.goto(noPkce.href);
    const refusal = await waitForCallback(arrived, page);
    expect(refusal.searchParams.get('error')).toBe('invalid_request');
    expect(refusal.searchParams.get('error_description')).toMatch(/PKCE/);

    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await submitPassword(page, 'dora');
    await submitCode(page, await totpAt(dora.secret));
    await Promise.all([page.waitForNavigation(), page.click('button[value=allow]')]);
    const callback = await waitForCallback(arrived, page, 2);
    const tokens = await redeem(config, callback, request);
    await expect(client.fetchUserInfo(config, tokens.access_token, dora.id)).resolves.toMatchObject({
      sub: dora.id,
    });
    await expect(redeem(config, callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, tokens.access_token, dora.id)).rejects.toThrow();
    await context.close();
  });

  it('prompt=login asks for the password again even when signed in; max_age is honoured the same way', async () => {
    const gus = await userWithTotp(admin.core, 'gus');
    const config = await relyingParty(twofold.url, services.Chat!.clientId, services.Chat!.secret);
    const { context } = await fresh();
    const page = await context.newPage();
    const first = await authorizationRequest(config, rp);
    await page.goto(first.url.href);
    await submitPassword(page, 'gus');
    await submitCode(page, await totpAt(gus.secret));
    const before = (await redeem(config, await waitForCallback(rp, page), first)).claims()!;

    await page.waitForTimeout(1100);
    const again = await authorizationRequest(config, rp, { prompt: 'login' });
    await page.goto(again.url.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('main').textContent()).toContain('please log in again');
    await submitPassword(page, 'gus');
    await submitCode(page, await totpAt(gus.secret, Date.now() + 30_000));
    const after = (await redeem(config, await waitForCallback(rp, page, 2), again)).claims()!;
    expect(after.sub).toBe(gus.id);
    expect(Number(after.auth_time)).toBeGreaterThan(Number(before.auth_time));

    await context.close();
  });

  it('prompt=none answers login_required to a browser not signed in, and never signs in behind Twofold', async () => {
    const config = await relyingParty(twofold.url, services.Wiki!.clientId, services.Wiki!.secret);
    const { context } = await fresh();
    const page = await context.newPage();
    const silent = await authorizationRequest(config, rp, { prompt: 'none' });
    await page.goto(silent.url.href);
    const answer = await waitForCallback(rp, page);
    expect(answer.searchParams.get('error')).toBe('login_required');
    expect(answer.searchParams.get('code')).toBeNull();
    await context.close();
  });

  it("logging out of Twofold ends the services' single sign-on: the next sign-in asks again", async () => {
    const ken = await userWithTotp(admin.core, 'ken');
    const config = await relyingParty(twofold.url, services.Chat!.clientId, services.Chat!.secret);
    const { context } = await fresh();
    const page = await context.newPage();
    const first = await authorizationRequest(config, rp);
    await page.goto(first.url.href);
    await submitPassword(page, 'ken');
    await submitCode(page, await totpAt(ken.secret));
    await redeem(config, await waitForCallback(rp, page), first);

    await page.goto(`${twofold.url}/account`);
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(/\/login\?notice=logged_out$/);

    const again = await authorizationRequest(config, rp);
    await page.goto(again.url.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    const silent = await authorizationRequest(config, rp, { prompt: 'none' });
    await page.goto(silent.url.href);
    expect((await waitForCallback(rp, page, 2)).searchParams.get('error')).toBe('login_required');
    await context.close();
  });

  it('max_age: a login older than the service accepts is asked for again', async () => {
    const gwen = await userWithTotp(admin.core, 'gwen');
    const config = await relyingParty(twofold.url, services.Chat!.clientId, services.Chat!.secret);
    const { context } = await fresh();
    const page = await context.newPage();
    const first = await authorizationRequest(config, rp);
    await page.goto(first.url.href);
    await submitPassword(page, 'gwen');
    await submitCode(page, await totpAt(gwen.secret));
    const before = (await redeem(config, await waitForCallback(rp, page), first)).claims()!;

    await page.waitForTimeout(2100);
    const recent = await authorizationRequest(config, rp, { max_age: '1' });
    await page.goto(recent.url.href);
    expect(new URL(page.url()).pathname).toBe('/login');
    await submitPassword(page, 'gwen');
    await submitCode(page, await totpAt(gwen.secret, Date.now() + 30_000));
    const after = (await redeem(config, await waitForCallback(rp, page, 2), recent)).claims()!;
    expect(Number(after.auth_time)).toBeGreaterThan(Number(before.auth_time));
    await context.close();
  });

  it('a required service and a person with no second factor: a page saying what to set up, no code', async () => {
    await admin.core.accounts.createUser({ username: 'hal', email: 'hal@example.test', password: PASSWORD });
    const config = await relyingParty(twofold.url, services.Wiki!.clientId, services.Wiki!.secret);
    const { context } = await fresh();
    const page = await context.newPage();
    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await submitPassword(page, 'hal');
    expect(await page.locator('h1').textContent()).toBe('Wiki needs two-factor authentication');
    expect(await page.locator('main').textContent()).toContain(
      'set up an authenticator app or a security key',
    );
    expect(rp.arrived).toEqual([]);
    await context.close();
  });

  it('tampered tokens, malformed and oversized requests get the protocol’s errors, never a 500', async () => {
    const metadata = (await (
      await fetch(`${twofold.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    const userinfo = await fetch(metadata.userinfo_endpoint!, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(userinfo.status).toBe(401);
    const basic = `Basic ${Buffer.from(`${services.Wiki!.clientId}:${services.Wiki!.secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const noGrant = await fetch(metadata.token_endpoint!, {
      method: 'POST',
      headers: form,
      body: 'code=abc',
    });
    expect(noGrant.status).toBe(400);
    expect(await noGrant.json()).toMatchObject({ error: 'invalid_request' });
    const forged = await fetch(metadata.token_endpoint!, {
      method: 'POST',
      headers: form,
      body: `grant_type=authorization_code&code=forged&redirect_uri=${encodeURIComponent(rp.redirectUri)}&code_verifier=${'a'.repeat(43)}`,
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'invalid_grant' });
    const wrongSecret = await fetch(metadata.token_endpoint!, {
      method: 'POST',
      headers: {
        ...form,
        authorization: `Basic ${Buffer.from(`${services.Wiki!.clientId}:tf_cs_wrong`).toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
    const huge = await fetch(metadata.token_endpoint!, {
      method: 'POST',
      headers: form,
      body: `grant_type=refresh_token&refresh_token=${'x'.repeat(200_000)}`,
    });
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    const badJson = await fetch(metadata.token_endpoint!, {
      method: 'POST',
      headers: { ...form, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(badJson.status).toBeGreaterThanOrEqual(400);
    expect(badJson.status).toBeLessThan(500);
  });
});
