/**
 * What a person does with security keys, in a real Chromium against a real server, with
 * Chromium's own virtual authenticators answering (CTAP2 over USB without user verification or
 * discoverable credentials, and the computer's built-in authenticator with it): register two keys, log in with each,
 * remove one and see it refused, sign in with a passkey and no password, keep a TOTP device
 * beside a key — and a relayed (wrong-origin) answer and a replayed one refused. The page is
 * served on localhost, as WebAuthn requires of a non-https origin. Screenshots go to
 * test-output/screenshots.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import {
  launchChromium,
  oathtoolTotp,
  type RunningServer,
  screenshotPath,
  startServer,
} from '../helpers/browser.js';
import { VirtualAuthenticators } from '../helpers/webauthn-browser.js';

const PASSWORD = 'correct horse battery';

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let keys: VirtualAuthenticators;
let alice: UserRow;

beforeAll(async () => {
  server = await startServer({ issuer: 'Twofold' });
  await server.core.accounts.createUser({
    username: 'alice',
    email: 'alice@example.test',
    password: PASSWORD,
  });
  alice = (await server.core.store.users.findByLogin('alice')) as UserRow;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  page = await context.newPage();
  keys = await VirtualAuthenticators.enable(page);
  keys.define('usb', { transport: 'usb', hasUserVerification: false, hasResidentKey: false });
  keys.define('laptop', { transport: 'internal', hasUserVerification: true, isUserVerified: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const url = (path: string) => `${server.baseUrl}${path}`;
const shot = (name: string) => page.screenshot({ path: screenshotPath(`webauthn-${name}`), fullPage: true });
const mainText = () => page.locator('main').textContent();

async function logInWithPassword(password = PASSWORD) {
  await page.goto(url('/login'));
  await page.getByLabel('Username or email').fill('alice');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForLoadState();
}

async function logOut() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(url('/login?notice=logged_out'));
}

/** The second login step with the attached key. */
async function useSecurityKey() {
  await page.goto(url('/login/security-key'));
  await page.getByRole('button', { name: 'Use your security key' }).click();
  await page.waitForURL(url('/account'));
}

async function registerKey(name: string | undefined) {
  await page.goto(url('/account/security-keys/new'));
  await expect.poll(() => page.locator('h1').textContent()).toBe('Set up a security key');
  await shot(`setup-page-${name ?? 'default'}`.replace(/\W+/g, '-'));
  if (name) await page.getByLabel('Device name').fill(name);
  await page.getByRole('button', { name: 'Set up' }).click();
  await page.waitForURL(url('/account'));
}

const deviceRows = () => page.locator('main table tbody tr').allTextContents();

describe('security keys and passkeys in the browser', () => {
  test('registers a USB key (no user verification) with a name', async () => {
    await logInWithPassword();
    await page.waitForURL(url('/account'));
    await keys.use('usb');
    await registerKey('Blue USB key');
    await shot('01-account-with-usb-key');
    await expect.poll(mainText).toContain('Your security key "Blue USB key" is set up and ready to use.');
    expect((await deviceRows()).join('\n')).toMatch(/Blue USB key\s*Security key/);
  });

  test("registers the computer's built-in authenticator (with user verification) under a default name", async () => {
    await keys.use('laptop');
    await registerKey(undefined);
    const rows = await deviceRows();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('Built-in authenticator');
    const stored = await server.core.store.authenticators.listActiveByUser(alice.id, 'webauthn');
    expect(stored.map((row) => row.transports)).toEqual(['usb', 'internal']);
  });

  test('logs in with the password, then the USB key', async () => {
    await logOut();
    await keys.use('usb');
    await logInWithPassword();
    // The password alone is not a login any more.
    expect(page.url()).not.toBe(url('/account'));
    await page.goto(url('/login/security-key'));
    await shot('02-login-security-key');
    await page.getByRole('button', { name: 'Use your security key' }).click();
    await page.waitForURL(url('/account'));
    await expect.poll(mainText).toContain('Blue USB key');
  });

  test('logs in with the password, then the built-in authenticator', async () => {
    await logOut();
    await keys.use('laptop');
    await logInWithPassword();
    await useSecurityKey();
    const usedRows = await deviceRows();
    expect(usedRows.every((row) => !row.includes('never'))).toBe(true);
  });

  test('refuses a replayed answer: the same verification body sent again', async () => {
    await logOut();
    await logInWithPassword();
    await page.goto(url('/login/security-key'));
    const captured = await page.evaluate(async () => {
      const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        });
      const { options } = await (await post('/login/security-key/options', { _csrf: csrf })).json();
      const lib = (window as unknown as { SimpleWebAuthnBrowser: typeof import('@simplewebauthn/browser') })
        .SimpleWebAuthnBrowser;
      const response = await lib.startAuthentication({ optionsJSON: options });
      const first = await post('/login/security-key', { _csrf: csrf, response });
      return { status: first.status, response };
    });
    expect(captured.status).toBe(200);
    await page.goto(url('/account'));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Account');

    // Someone who captured that body and knows the password sends it again in a login of their own.
    const replayed = await postAsNewPasswordStep('/login/security-key', { response: captured.response });
    expect(replayed.status).toBe(410);
    expect(replayed.body.error.message).toMatch(/expired or was already used/);
  });

  test('refuses an answer relayed from a page on another origin', async () => {
    const phishing = await startPhishingSite();
    try {
      // The attacker knows the password and starts a login of their own on the real server.
      const attacker = await newPasswordStep();
      const { options } = (await (await attacker.post('/login/security-key/options', {})).json()) as {
        options: PublicKeyCredentialRequestOptionsJSON;
      };
      // The person's browser, on the look-alike site (same host name, another port), answers.
      await page.goto(phishing.url);
      await page.addScriptTag({ content: browserBundle() });
      const relayed = await page.evaluate(async (optionsJSON) => {
        const lib = (window as unknown as { SimpleWebAuthnBrowser: typeof import('@simplewebauthn/browser') })
          .SimpleWebAuthnBrowser;
        return lib.startAuthentication({ optionsJSON });
      }, options);
      const refused = await attacker.post('/login/security-key', { response: relayed });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /another website address/,
      );
      const pending = await server.core.sessions.resolve(attacker.token);
      expect(pending?.row.stage).toBe('password');
    } finally {
      await phishing.close();
    }
  });

  test('removes the USB key; its answer is then refused, the other key still works', async () => {
    await page.goto(url('/account'));
    const usbRow = page.locator('main table tbody tr', { hasText: 'Blue USB key' });
    await usbRow.getByRole('button', { name: 'Remove Blue USB key' }).click();
    await page.waitForURL(/\/remove/);
    await shot('03-remove-usb-key');
    await page
      .getByRole('button', { name: /Remove/ })
      .last()
      .click();
    await page.waitForURL(url('/account'));
    expect((await deviceRows()).join('\n')).not.toContain('Blue USB key');

    await logOut();
    await keys.use('usb');
    const [removedId] = await keys.credentialIds('usb');
    await logInWithPassword();
    await page.goto(url('/login/security-key'));
    // The browser is asked to use the removed key (as an old copy of the page would).
    const refused = await page.evaluate(async (credentialId) => {
      const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        });
      const { options } = await (await post('/login/security-key/options', { _csrf: csrf })).json();
      options.allowCredentials = [{ id: credentialId, type: 'public-key', transports: ['usb'] }];
      const lib = (window as unknown as { SimpleWebAuthnBrowser: typeof import('@simplewebauthn/browser') })
        .SimpleWebAuthnBrowser;
      const response = await lib.startAuthentication({ optionsJSON: options });
      const answer = await post('/login/security-key', { _csrf: csrf, response });
      return { status: answer.status, body: await answer.json() };
    }, removedId);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/not registered for this account/);

    await keys.use('laptop');
    await useSecurityKey();
  });

  test('signs in with a passkey: no password, no code', async () => {
    await logOut();
    await keys.use('laptop');
    await page.goto(url('/login/passkey'));
    await shot('04-passkey-login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(url('/account'));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Account');
    const audit = await server.core.store.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'login.succeeded')
      .execute();
    expect(audit.map((row) => JSON.parse(row.detail).method)).toContain('passkey');
    // Counts as multi-factor: a sensitive page opens without another code.
    await page.goto(url('/account/security-keys/new'));
    await expect.poll(() => page.locator('h1').textContent()).toBe('Set up a security key');
  });

  test('keeps a key and a TOTP device on one account: either one logs in', async () => {
    const enrollment = await server.core.totp.start(alice);
    const activationStep = Math.floor(server.clock.now() / 30_000) - 1;
    await server.core.totp.activate(alice, enrollment.authenticatorId, {
      code: await oathtoolTotp(enrollment.secret, activationStep * 30),
      name: 'Phone app',
    });
    await page.goto(url('/account'));
    const rows = (await deviceRows()).join('\n');
    expect(rows).toContain('Phone app');
    expect(rows).toContain('Built-in authenticator');
    await shot('05-account-key-and-totp');

    await logOut();
    const step = Math.floor(server.clock.now() / 30_000);
    await logInWithPassword(PASSWORD + (await oathtoolTotp(enrollment.secret, step * 30)));
    await page.waitForURL(url('/account'));

    await logOut();
    await keys.use('laptop');
    await logInWithPassword();
    await useSecurityKey();
  });
});

/** A password step of its own on the real server, as someone who knows the password gets. */
async function newPasswordStep() {
  const result = await server.core.signIn.login({ login: 'alice', password: PASSWORD, kind: 'browser' });
  if (result.outcome !== 'second_factor_required' || !result.pending)
    throw new Error('expected a second step');
  const { token, csrfToken } = result.pending;
  return {
    token,
    post: (path: string, body: object) =>
      fetch(url(path), {
        method: 'POST',
        headers: {
          cookie: `twofold_session=${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ _csrf: csrfToken, ...body }),
      }),
  };
}

async function postAsNewPasswordStep(path: string, body: object) {
  const response = await (await newPasswordStep()).post(path, body);
  return { status: response.status, body: (await response.json()) as { error: { message: string } } };
}

function browserBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/** A look-alike site on another port of localhost: a blank page, no CSP, nothing of ours. */
async function startPhishingSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const site: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Twofold</title><h1>Log in</h1>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const address = site.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise<void>((resolve) => site.close(() => resolve())),
  };
}
