import { afterAll, beforeAll, expect, test } from 'vitest';
import { inputIds, labels, PageClient } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
const pages = new Map<string, string>();

/** Every page a person meets in the TOTP flows, rendered for real. */
beforeAll(async () => {
  t = await createTestApp();
  const user = await t.createUser('alice', PASSWORD);
  const anonymous = new PageClient(t.app);
  pages.set('login', (await anonymous.get('/login')).html);
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);
  pages.set('account without devices', (await browser.get('/account')).html);
  pages.set('change password', (await browser.get('/account/password')).html);
  const setup = await browser.get('/account/otp/new');
  pages.set('set up OTP', (await browser.get(setup.location!)).html);
  const { secret, authenticatorId } = await t.enrollTotp(user, 'Phone');
  pages.set('step-up', (await browser.get('/account/verify?next=%2Faccount')).html);
  await browser.login('alice', `${PASSWORD}${t.codeFor(secret)}`);
  pages.set('account with a device', (await browser.get('/account')).html);
  pages.set('confirm removal', (await browser.get(`/account/authenticators/${authenticatorId}/remove`)).html);
  const twoStep = new PageClient(t.app);
  await twoStep.login('alice', PASSWORD);
  pages.set('code step', (await twoStep.get('/login')).html);
});
afterAll(async () => {
  await t.close();
});

test.each([
  'login',
  'code step',
  'account without devices',
  'account with a device',
  'change password',
  'set up OTP',
  'step-up',
  'confirm removal',
])('%s: every visible field has a <label>, one <h1>, a language and a phone viewport', (name) => {
  const html = pages.get(name)!;
  const labelled = labels(html);
  for (const id of inputIds(html)) expect(labelled.get(id), `${name}: label for #${id}`).toBeTruthy();
  expect(html.match(/<h1>/g)).toHaveLength(1);
  expect(html).toContain('<html lang="en">');
  expect(html).toContain('name="viewport" content="width=device-width, initial-scale=1"');
  // Buttons are real buttons with text, so the keyboard and screen readers reach them.
  for (const button of html.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/g))
    expect(button[1]!.trim()).not.toBe('');
});
