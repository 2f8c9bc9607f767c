import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseKeyUri } from '../../src/otp/index.js';
import { hashToken } from '../../src/security/index.js';
import {
  attribute,
  formHtml,
  hiddenFields,
  inputIds,
  labels,
  PageClient,
  text,
} from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ issuer: 'Twofold' });
});
afterEach(async () => {
  await t.close();
});

/** Signs in and follows "Set up OTP" to its page. */
async function openSetup(browser: PageClient) {
  const start = await browser.get('/account/otp/new');
  expect(start.status).toBe(303);
  expect(start.location).toMatch(/^\/account\/otp\/[\w-]+$/);
  const page = await browser.get(start.location!);
  expect(page.status).toBe(200);
  const key = attribute(/<input id="otp-key"[^>]*>/.exec(page.html)![0], 'value')!;
  return { url: start.location!, page, key };
}

function qrMarkup(html: string): string {
  return /<div role="img" aria-label="QR code">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
}

async function signedIn(username = 'alice') {
  const user = await t.createUser(username, PASSWORD);
  const browser = new PageClient(t.app);
  expect((await browser.login(username, PASSWORD)).location).toBe('/account');
  return { user, browser };
}

describe('the setup page', () => {
  test('shows a QR code named "QR code", the apps that work, and "Unable to scan?" with the key and parameters', async () => {
    const { browser } = await signedIn();
    const { page, key } = await openSetup(browser);
    expect(qrMarkup(page.html)).toMatch(/^<svg [^>]*width="264" height="264"/);
    const readable = text(page.html);
    for (const app of [
      'Google Authenticator',
      'Microsoft Authenticator',
      'FreeOTP',
      'Aegis',
      'Raivo',
      'KeePassXC',
      'oathtool',
    ]) {
      expect(readable).toContain(app);
    }
    expect(page.html).toMatch(/<details><summary>Unable to scan\?<\/summary>/);
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    expect(readable).toContain(key.match(/.{4}/g)!.join(' '));
    expect(readable).toContain(`oathtool --totp -b ${key}`);
    expect(readable).toMatch(/Algorithm SHA-1 Digits 6 Period 30 seconds Issuer Twofold Account alice/);
    const form = formHtml(
      page.html,
      `/account/otp/${page.html.match(/action="\/account\/otp\/([\w-]+)"/)![1]}`,
    );
    expect(inputIds(form).map((id) => labels(form).get(id))).toEqual(['One-time code', 'Device name']);
    expect(form).toContain('<button type="submit">Submit</button>');
    expect(form).toContain('placeholder="Authenticator 1"');
  });

  test('the key in the QR code is the one shown, in an otpauth://totp/Issuer:username URI', async () => {
    const { browser } = await signedIn();
    const { key } = await openSetup(browser);
    const enrollment = (
      await t.store.authenticators.listByUser((await t.store.users.findByLogin('alice'))!.id)
    )[0]!;
    const uri = (await t.core.totp.get((await t.store.users.findByLogin('alice'))!, enrollment.id))
      .otpauthUri;
    expect(uri).toMatch(/^otpauth:\/\/totp\/Twofold:alice\?/);
    const parsed = parseKeyUri(uri);
    expect(parsed.issuer).toBe('Twofold');
    expect(Buffer.from(parsed.secret).length).toBe(20);
    expect(uri).toContain(`secret=${key}`);
  });

  test('a correct code and a name make the device active and listed; the user is told it is ready', async () => {
    const { browser } = await signedIn();
    const { url, page, key } = await openSetup(browser);
    const done = await browser.post(url, {
      ...hiddenFields(page.html, url),
      code: t.codeFor(key),
      name: '  My   Phone ',
    });
    expect(done.status).toBe(303);
    // The first device: backup codes come next (seed 004), with the "ready" notice on top.
    expect(done.location).toBe('/account/backup-codes');
    expect(text((await browser.get('/account/backup-codes')).html)).toContain(
      'Your device "My Phone" is set up and ready to use. No further testing is needed.',
    );
    const account = text((await browser.get('/account')).html);
    expect(account).toContain('Two-factor authentication is on');
    expect(account).toMatch(/My Phone TOTP 2026-01-01 00:00 UTC 2026-01-01 00:00 UTC Remove/);
    expect(text((await browser.get('/account')).html)).not.toContain('ready to use'); // said once
  });

  test('an empty name becomes "Authenticator N"; names need not be unique', async () => {
    const { browser } = await signedIn();
    let firstKey = '';
    for (const name of ['', '', 'Phone', 'Phone']) {
      if (firstKey) {
        // A fresh login with a code from the first device for each further one (it has a factor now).
        t.clock.advance(30_000);
        expect((await browser.login('alice', `${PASSWORD}${t.codeFor(firstKey)}`, '/account')).location).toBe(
          '/account',
        );
      }
      const { url, page, key } = await openSetup(browser);
      firstKey ||= key;
      const done = await browser.post(url, {
        ...hiddenFields(page.html, url),
        code: t.codeFor(key, -1),
        name,
      });
      expect(done.location).toBe(key === firstKey ? '/account/backup-codes' : '/account');
    }
    const names = (await t.core.authenticators.list((await t.store.users.findByLogin('alice'))!)).map(
      (d) => d.name,
    );
    expect(names).toEqual(['Authenticator 1', 'Authenticator 2', 'Phone', 'Phone']);
  });

  test('a wrong code shows an error and keeps the same QR code; the device stays pending', async () => {
    const { user, browser } = await signedIn();
    const { url, page, key } = await openSetup(browser);
    const wrong = await browser.post(url, {
      ...hiddenFields(page.html, url),
      code: '000000x',
      name: 'Phone',
    });
    expect(wrong.status).toBe(401);
    expect(text(wrong.html)).toContain('That code is not right.');
    expect(qrMarkup(wrong.html)).toBe(qrMarkup(page.html));
    expect(wrong.html).toContain(`value="${key}"`);
    expect(wrong.html).toContain('value="Phone"'); // the typed name is kept
    expect(await t.core.authenticators.hasActiveFactor(user)).toBe(false);
    const right = await browser.post(url, {
      ...hiddenFields(wrong.html, url),
      code: t.codeFor(key),
      name: 'Phone',
    });
    expect(right.location).toBe('/account/backup-codes');
  });

  test('a name longer than 64 characters is refused with the same QR code', async () => {
    const { browser } = await signedIn();
    const { url, page, key } = await openSetup(browser);
    const response = await browser.post(url, {
      ...hiddenFields(page.html, url),
      code: t.codeFor(key),
      name: 'x'.repeat(65),
    });
    expect(response.status).toBe(400);
    expect(text(response.html)).toContain('The name is too long: use at most 64 characters.');
    expect(qrMarkup(response.html)).toBe(qrMarkup(page.html));
  });

  test('a pending device logs nobody in', async () => {
    const { user, browser } = await signedIn();
    const { secret } = await t.enrollTotp(user, 'Active one');
    await browser.login('alice', `${PASSWORD}${t.codeFor(secret)}`);
    const { key } = await openSetup(browser);
    t.clock.advance(30_000);
    const other = new PageClient(t.app);
    expect((await other.login('alice', `${PASSWORD}${t.codeFor(key)}`)).location).toBe('/login');
    expect((await other.enterCode(t.codeFor(key))).status).toBe(401);
  });

  test('a pending device expires after 15 minutes: its code is refused and setup must start again', async () => {
    const { user, browser } = await signedIn();
    const { url, page, key } = await openSetup(browser);
    t.clock.advance(15 * 60_000 + 1_000);
    const late = await browser.post(url, { ...hiddenFields(page.html, url), code: t.codeFor(key), name: '' });
    expect(late.status).toBe(410);
    expect(text(late.html)).toContain(
      'This device setup has expired (15 minutes). Start again with "Set up OTP".',
    );
    expect(await t.core.authenticators.hasActiveFactor(user)).toBe(false);
    expect((await browser.get(url)).status).toBe(410);
  });

  test("another user's pending setup is not found", async () => {
    const { browser } = await signedIn('alice');
    const { url } = await openSetup(browser);
    const { browser: mallory } = await signedIn('mallory');
    expect((await mallory.get(url)).status).toBe(404);
  });
});

describe('"Set up OTP" needs a recent authentication (seed 000)', () => {
  test('after five minutes it asks to log in again, with the username filled in, then comes back', async () => {
    const { browser } = await signedIn();
    t.clock.advance(5 * 60_000 + 1_000);
    const start = await browser.get('/account/otp/new');
    expect(start.location).toBe('/login?notice=reauth&next=%2Faccount%2Fotp%2Fnew');
    const login = await browser.get(start.location!);
    expect(text(login.html)).toContain('For your security, please log in again to continue.');
    expect(login.html).toMatch(/id="username"[^>]*value="alice"/);
    const oldToken = browser.sessionToken!;
    const again = await browser.post('/login', {
      ...hiddenFields(login.html, '/login'),
      username: 'alice',
      password: PASSWORD,
    });
    expect(again.location).toBe('/account/otp/new');
    expect(await t.core.sessions.resolve(oldToken)).toBeUndefined();
    expect((await browser.get('/account/otp/new')).location).toMatch(/^\/account\/otp\/[\w-]+$/);
  });

  test('with an active device, logging in again also asks for a code from it', async () => {
    const { user, browser } = await signedIn();
    const { secret } = await t.enrollTotp(user, 'First');
    await browser.login('alice', `${PASSWORD}${t.codeFor(secret)}`);
    t.clock.advance(6 * 60_000);
    const start = await browser.get('/account/otp/new');
    expect(start.location).toBe('/login?notice=reauth&next=%2Faccount%2Fotp%2Fnew');
    const password = await browser.login('alice', PASSWORD, '/account/otp/new');
    expect(password.location).toBe('/login?next=%2Faccount%2Fotp%2Fnew');
    const codeStep = await browser.get(password.location!);
    expect(formHtml(codeStep.html, '/login/code')).toContain('name="next" value="/account/otp/new"');
    const code = await browser.post('/login/code', {
      ...hiddenFields(codeStep.html, '/login/code'),
      otp: t.codeFor(secret),
    });
    expect(code.location).toBe('/account/otp/new');
    expect((await browser.get('/account/otp/new')).location).toMatch(/^\/account\/otp\/[\w-]+$/);
  });

  test('a second device needs a code from the first once the proof of activating it is gone (step-up)', async () => {
    const { browser } = await signedIn();
    const { url, page, key } = await openSetup(browser);
    const activate = await browser.post(url, {
      ...hiddenFields(page.html, url),
      code: t.codeFor(key, -1),
      name: 'First',
    });
    expect(activate.location).toBe('/account/backup-codes');
    // The activation code was itself a fresh code from a configured device; four minutes later,
    // with the password proof still recent, only the second factor is asked for again.
    await t.store.sessions.update(hashToken(browser.sessionToken!), {
      second_factor_at: t.clock.now() - 5 * 60_000 - 1,
    });
    const start = await browser.get('/account/otp/new');
    expect(start.location).toBe('/account/verify?next=%2Faccount%2Fotp%2Fnew');
    const verify = await browser.get(start.location!);
    expect(text(verify.html)).toContain('enter a 6-digit code from one of your configured devices');
    const before = browser.sessionToken!;
    const wrong = await browser.post('/account/verify', {
      ...hiddenFields(verify.html, '/account/verify'),
      otp: '000000x',
    });
    expect(wrong.status).toBe(401);
    const right = await browser.post('/account/verify', {
      ...hiddenFields(verify.html, '/account/verify'),
      otp: t.codeFor(key),
    });
    expect(right.location).toBe('/account/otp/new');
    expect(browser.sessionToken).not.toBe(before); // rotated at step-up
    expect(await t.core.sessions.resolve(before)).toBeUndefined();
    expect((await browser.get('/account/otp/new')).location).toMatch(/^\/account\/otp\/[\w-]+$/);
  });

  test('without a session it goes to the login page and back', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    const start = await browser.get('/account/otp/new');
    expect(start.location).toBe('/login?next=%2Faccount%2Fotp%2Fnew');
    expect((await browser.login('alice', PASSWORD, '/account/otp/new')).location).toBe('/account/otp/new');
  });
});
