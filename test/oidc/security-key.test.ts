import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.js';
import { launchChromium } from '../helpers/browser.js';
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
  submitPassword,
  type TwofoldInstance,
  waitForCallback,
} from '../helpers/relying-party.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { VirtualAuthenticators } from '../helpers/webauthn-browser.js';

describe('OpenID Connect with a security key (Chromium virtual authenticator)', () => {
  const dir = makeTempDir();
  let deployment: Deployment;
  let twofold: TwofoldInstance;
  let admin: { core: Core; close(): Promise<void> };
  let browser: Browser;
  let rp: ServiceEndpoint;

  beforeAll(async () => {
    deployment = newDeployment(dir.path);
    twofold = await startTwofold(deployment);
    admin = await openAdmin(deployment);
    rp = await startServiceEndpoint();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await admin?.close();
    await twofold?.server.stop();
    dir.remove();
  });

  it('password then the key: amr pwd hwk mfa, and the phishing-resistant acr', async () => {
    await admin.core.accounts.createUser({ username: 'ivy', email: 'ivy@example.test', password: PASSWORD });
    const { service, clientSecret } = await admin.core.services.register(
      { name: 'Vault', redirectUris: [rp.redirectUri], mfaPolicy: 'required', skipConsent: true },
      'cli',
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const keys = await VirtualAuthenticators.enable(page);
    keys.define('usb', { transport: 'usb', hasUserVerification: false, hasResidentKey: false });
    await keys.use('usb');

    // Ivy sets up her key on her account, then logs out.
    await page.goto(`${twofold.url}/login`);
    await submitPassword(page, 'ivy');
    await page.goto(`${twofold.url}/account/security-keys/new`);
    await page.getByLabel('Device name').fill('Blue key');
    await page.getByRole('button', { name: 'Set up' }).click();
    await page.waitForURL(`${twofold.url}/account`);
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(/\/login\?notice=logged_out$/);

    const config = await relyingParty(twofold.url, service.clientId, clientSecret);
    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await submitPassword(page, 'ivy');
    // The code step offers the key (a link drawn as a button), then the key step asks for it.
    await page.locator('a[href^="/login/security-key"]').click();
    await page.waitForURL(/\/login\/security-key\?next=/);
    await page.getByRole('button', { name: 'Use your security key' }).click();
    const tokens = await redeem(config, await waitForCallback(rp, page), request);
    expect(tokens.claims()?.amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(tokens.claims()?.acr).toBe('urn:twofold:acr:phishing-resistant');
    await context.close();
  });

  it('a passkey alone: no password, no code; amr hwk user mfa', async () => {
    await admin.core.accounts.createUser({ username: 'pia', email: 'pia@example.test', password: PASSWORD });
    const { service, clientSecret } = await admin.core.services.register(
      { name: 'Vault for Pia', redirectUris: [rp.redirectUri], mfaPolicy: 'required', skipConsent: true },
      'cli',
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const keys = await VirtualAuthenticators.enable(page);
    keys.define('laptop', { transport: 'internal', hasUserVerification: true, isUserVerified: true });
    await keys.use('laptop');
    await page.goto(`${twofold.url}/login`);
    await submitPassword(page, 'pia');
    await page.goto(`${twofold.url}/account/security-keys/new`);
    await page.getByLabel('Device name').fill('Laptop');
    await page.getByRole('button', { name: 'Set up' }).click();
    await page.waitForURL(`${twofold.url}/account`);
    await page.getByRole('button', { name: 'Log out' }).first().click();
    await page.waitForURL(/\/login\?notice=logged_out$/);

    rp.arrived.length = 0;
    const config = await relyingParty(twofold.url, service.clientId, clientSecret);
    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const tokens = await redeem(config, await waitForCallback(rp, page), request);
    expect(tokens.claims()?.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(tokens.claims()?.acr).toBe('urn:twofold:acr:phishing-resistant');
    await context.close();
  });
});
