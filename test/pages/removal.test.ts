import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function userWithTwoDevices() {
  const user = await t.createUser('alice', PASSWORD);
  const first = await t.enrollTotp(user, 'MySmartPhone');
  const second = await t.enrollTotp(user, 'MyLaptop');
  const browser = new PageClient(t.app);
  expect((await browser.login('alice', `${PASSWORD}${t.codeFor(second.secret)}`)).location).toBe('/account');
  return { user, first, second, browser };
}

describe('removing a device', () => {
  test('"Remove" asks for confirmation, then removes it; the session stays', async () => {
    const { user, first, browser } = await userWithTwoDevices();
    const path = `/account/authenticators/${first.authenticatorId}/remove`;
    const confirm = await browser.get(path);
    expect(confirm.status).toBe(200);
    expect(text(confirm.html)).toContain('Remove MySmartPhone (added 2026-01-01 00:00 UTC)?');
    expect(await t.core.authenticators.list(user)).toHaveLength(2); // asking removes nothing
    const token = browser.sessionToken;
    const done = await browser.post(path, hiddenFields(confirm.html, path));
    expect(done.location).toBe('/account');
    const account = text((await browser.get('/account')).html);
    expect(account).toContain('The device "MySmartPhone" was removed.');
    expect(account).not.toContain('MySmartPhone TOTP');
    expect(account).toContain('MyLaptop TOTP');
    expect(browser.sessionToken).toBe(token);
  });

  test('the code of a removed device no longer works', async () => {
    const { first, browser } = await userWithTwoDevices();
    const path = `/account/authenticators/${first.authenticatorId}/remove`;
    await browser.post(path, hiddenFields((await browser.get(path)).html, path));
    t.clock.advance(30_000);
    const other = new PageClient(t.app);
    expect((await other.login('alice', `${PASSWORD}${t.codeFor(first.secret)}`)).location).toBe('/login');
    expect((await other.enterCode(t.codeFor(first.secret))).status).toBe(401);
  });

  test('removing the only device warns that two-factor authentication turns off', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const only = await t.enrollTotp(user, 'Only');
    const browser = new PageClient(t.app);
    await browser.login('alice', `${PASSWORD}${t.codeFor(only.secret)}`);
    const confirm = await browser.get(`/account/authenticators/${only.authenticatorId}/remove`);
    expect(text(confirm.html)).toContain('This is your only device');
  });

  test('needs a recent authentication with a code: after five minutes it asks to log in again', async () => {
    const { user, first, browser } = await userWithTwoDevices();
    t.clock.advance(5 * 60_000 + 1_000);
    const path = `/account/authenticators/${first.authenticatorId}/remove`;
    const encoded = encodeURIComponent(path);
    expect((await browser.get(path)).location).toBe(`/login?notice=reauth&next=${encoded}`);
    // A confirmation page opened in time and submitted late is sent to log in again too.
    const csrf = { _csrf: (await t.core.sessions.resolve(browser.sessionToken))!.row.csrf_token };
    expect((await browser.post(path, csrf)).location).toBe(`/login?notice=reauth&next=${encoded}`);
    expect(await t.core.authenticators.list(user)).toHaveLength(2);
  });

  test("another user's device is not found and stays", async () => {
    const { user, first } = await userWithTwoDevices();
    await t.createUser('mallory', PASSWORD);
    const mallory = new PageClient(t.app);
    await mallory.login('mallory', PASSWORD);
    const path = `/account/authenticators/${first.authenticatorId}/remove`;
    expect((await mallory.get(path)).status).toBe(404);
    const csrf = { _csrf: (await t.core.sessions.resolve(mallory.sessionToken))!.row.csrf_token };
    expect((await mallory.post(path, csrf)).status).toBe(404);
    expect(await t.core.authenticators.list(user)).toHaveLength(2);
  });
});
