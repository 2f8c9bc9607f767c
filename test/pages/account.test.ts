import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formHtml, hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('the account page', () => {
  test('shows the user and "Two Factor Authentication" with each device: name, type, added, last used, Remove', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const phone = await t.enrollTotp(user, 'MySmartPhone');
    t.clock.advance(60_000);
    await t.enrollTotp(user, 'MyLaptop');
    const browser = new PageClient(t.app);
    await browser.login('alice', `${PASSWORD}${t.codeFor(phone.secret)}`);
    const page = await browser.get('/account');
    expect(page.status).toBe(200);
    const readable = text(page.html);
    expect(readable).toContain('Username alice Email alice@example.test');
    expect(readable).toContain('Two Factor Authentication');
    expect(readable).toContain('Device name Type Added Last used');
    expect(readable).toContain('MySmartPhone TOTP 2026-01-01 00:00 UTC 2026-01-01 00:01 UTC Remove');
    expect(readable).toContain('MyLaptop TOTP 2026-01-01 00:01 UTC 2026-01-01 00:01 UTC Remove');
    expect(page.html).toContain(`action="/account/authenticators/${phone.authenticatorId}/remove"`);
    expect(formHtml(page.html, '/account/otp/new')).toContain('Set up OTP');
  });

  test('without devices it says two-factor authentication is off and offers "Set up OTP"', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const page = await browser.get('/account');
    expect(text(page.html)).toContain('Two-factor authentication is off');
    expect(page.html).not.toContain('<table');
    expect(formHtml(page.html, '/account/otp/new')).toContain('<button type="submit">Set up OTP</button>');
  });

  test('names are escaped, never markup', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user, '<script>alert(1)</script>');
    const browser = new PageClient(t.app);
    await browser.login('alice', `${PASSWORD}${t.codeFor(secret)}`);
    const page = await browser.get('/account');
    expect(page.html).not.toContain('<script>alert(1)</script>');
    expect(page.html).toContain('&lt;script>alert(1)&lt;/script>');
  });

  test('is only for signed-in users', async () => {
    const response = await new PageClient(t.app).get('/account');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/login');
  });
});

describe('changing the password', () => {
  async function signedIn() {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    return browser;
  }

  test('asks for the current password and the new one twice, then ends every other session', async () => {
    const browser = await signedIn();
    const other = new PageClient(t.app, '198.51.100.20');
    await other.login('alice', PASSWORD);
    const page = await browser.get('/account/password');
    expect(text(page.html)).toMatch(/Current password New password .* New password again/);
    const done = await browser.post('/account/password', {
      ...hiddenFields(page.html, '/account/password'),
      current_password: PASSWORD,
      new_password: 'a much better passphrase',
      confirmation: 'a much better passphrase',
    });
    expect(done.location).toBe('/account');
    expect(text((await browser.get('/account')).html)).toContain('Your password has been changed.');
    expect((await other.get('/account')).location).toBe('/login'); // the other session ended
    expect((await new PageClient(t.app).login('alice', PASSWORD)).status).toBe(401);
    expect((await new PageClient(t.app).login('alice', 'a much better passphrase')).location).toBe(
      '/account',
    );
  });

  test.each([
    ['short', PASSWORD, 'too short', 'too short', 'The password is too short: use at least 10 characters.'],
    ['mismatch', PASSWORD, 'new password one', 'new password two', 'The new passwords do not match.'],
    [
      'wrong current',
      'not my password',
      'a much better passphrase',
      'a much better passphrase',
      'The current password is not right.',
    ],
  ])('refuses %s with a message and changes nothing', async (_case, current, next, again, message) => {
    const browser = await signedIn();
    const page = await browser.get('/account/password');
    const response = await browser.post('/account/password', {
      ...hiddenFields(page.html, '/account/password'),
      current_password: current,
      new_password: next,
      confirmation: again,
    });
    expect(response.status).toBe(400);
    expect(text(response.html)).toContain(message);
    expect((await new PageClient(t.app).login('alice', PASSWORD)).location).toBe('/account');
  });

  test('needs a recent login: after five minutes it asks to log in again first', async () => {
    const browser = await signedIn();
    t.clock.advance(5 * 60_000 + 1_000);
    expect((await browser.get('/account/password')).location).toBe(
      '/login?notice=reauth&next=%2Faccount%2Fpassword',
    );
  });
});
