/**
 * Threat: cross-site request forgery. A page on another site makes the victim's browser post
 * a form to Twofold — logging them out, removing their device, changing their password, or
 * logging them in to the attacker's account (login CSRF) — and the browser adds the cookie.
 * Every form therefore carries a token another site cannot read: the session's own CSRF token,
 * or, on the anonymous login form, a double-submit cookie (HttpOnly, SameSite=Strict). A POST
 * without the right token is refused with 403 and a page that says what to do, and changes
 * nothing.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';
const REFUSED = 'This form has expired or was not sent from this site, so it was refused.';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

function expectRefused(response: { status: number; html: string; location: string | undefined }) {
  expect(response.status).toBe(403);
  expect(response.location).toBeUndefined();
  expect(text(response.html)).toContain(REFUSED);
}

describe('the login form (double-submit cookie)', () => {
  test('is refused without the cookie, without the field, or when they differ', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    const page = await browser.get('/login');
    const token = hiddenFields(page.html, '/login')._csrf!;
    const credentials = { username: 'alice', password: PASSWORD };

    expectRefused(await browser.post('/login', credentials)); // no field
    expectRefused(await browser.post('/login', { ...credentials, _csrf: `${token}x` })); // wrong field
    const cookieless = new PageClient(t.app);
    expectRefused(await cookieless.post('/login', { ...credentials, _csrf: token })); // no cookie
    expect(browser.sessionToken).toBeUndefined();

    expect((await browser.post('/login', { ...credentials, _csrf: token })).location).toBe('/account');
  });

  test('the token cookie is HttpOnly and SameSite=Strict', async () => {
    const page = await new PageClient(t.app).get('/login');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/^twofold_csrf=[\w-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
  });
});

describe('forms of a session', () => {
  async function setUp() {
    const user = await t.createUser('alice', PASSWORD);
    const device = await t.enrollTotp(user, 'Phone');
    const browser = new PageClient(t.app);
    await browser.login('alice', `${PASSWORD}${t.codeFor(device.secret)}`);
    return { user, device, browser };
  }

  test('"Log out" without the token is refused and the session goes on', async () => {
    const { browser } = await setUp();
    expectRefused(await browser.post('/logout', {}));
    expectRefused(await browser.post('/logout', { _csrf: 'forged' }));
    expect((await browser.get('/account')).status).toBe(200);
  });

  test("another session's token does not do", async () => {
    const { browser } = await setUp();
    const other = new PageClient(t.app, '198.51.100.2');
    await t.createUser('mallory', PASSWORD);
    await other.login('mallory', PASSWORD);
    const malloryToken = hiddenFields((await other.get('/account')).html, '/logout')._csrf!;
    expectRefused(await browser.post('/logout', { _csrf: malloryToken }));
  });

  test('removing a device without the token is refused and the device stays', async () => {
    const { user, device, browser } = await setUp();
    const path = `/account/authenticators/${device.authenticatorId}/remove`;
    expectRefused(await browser.post(path, { _csrf: 'forged' }));
    expect(await t.core.authenticators.list(user)).toHaveLength(1);
  });

  test('activating a device without the token is refused and it stays pending', async () => {
    const { user, browser } = await setUp();
    const start = await browser.get('/account/otp/new');
    const page = await browser.get(start.location!);
    const key = /id="otp-key"[^>]*value="([A-Z2-7]{32})"/.exec(page.html)![1]!;
    expectRefused(await browser.post(start.location!, { code: t.codeFor(key, -1), name: 'Evil' }));
    expect(await t.core.authenticators.list(user)).toHaveLength(1);
  });

  test('changing the password without the token is refused and the password stays', async () => {
    const { browser } = await setUp();
    const fields = {
      current_password: PASSWORD,
      new_password: 'attacker chosen pw',
      confirmation: 'attacker chosen pw',
    };
    expectRefused(await browser.post('/account/password', fields));
    expect(await t.core.sessions.resolve(browser.sessionToken)).toBeDefined();
    expect((await new PageClient(t.app, '198.51.100.3').login('alice', 'attacker chosen pw')).status).toBe(
      401,
    );
  });

  test('the code step and the step-up form without the token are refused', async () => {
    const { device } = await setUp();
    const pending = new PageClient(t.app, '198.51.100.4');
    await pending.login('alice', PASSWORD);
    expectRefused(await pending.post('/login/code', { otp: t.codeFor(device.secret, 1) }));
    const signedIn = new PageClient(t.app, '198.51.100.5');
    await signedIn.login('alice', PASSWORD);
    await signedIn.enterCode(t.codeFor(device.secret, 1));
    expectRefused(
      await signedIn.post('/account/verify', { otp: t.codeFor(device.secret, 1), next: '/account' }),
    );
  });
});
