/**
 * Seed 003 over `app.inject()`: the password-setup e-mail's link (received by a real SMTP
 * server), "Click here to continue", the mobile authenticator (the QR code's secret, a wrong
 * code, the right one), the password, the backup codes, and signed in. Also: a link works once,
 * expires, and cannot be used to skip a device the account already has.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type AdminFixture, createAdminFixture, PASSWORD } from '../admin/admin-helpers.js';
import { attribute, hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { firstLink } from '../helpers/smtp.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await createAdminFixture();
});
afterEach(async () => {
  await f.close();
});

/** Adds a user as an administrator would and returns the path of the link in their e-mail. */
async function invite(username: string, otpRequired: boolean): Promise<string> {
  await f.t.core.administration.createUser(f.admin, {
    username,
    email: `${username}@example.test`,
    otpRequired,
  });
  const mail = await f.smtp.waitFor((m) => m.to.includes(`${username}@example.test`));
  return new URL(firstLink(mail.text)).pathname;
}

/** Opens the link and clicks "Click here to continue". */
async function clickContinue(browser: PageClient, path: string) {
  const landing = await browser.get(path);
  expect(landing.status).toBe(200);
  expect(text(landing.html)).toContain('Click here to continue');
  return browser.post(path, hiddenFields(landing.html, path));
}

const keyOn = (html: string) => attribute(/<input id="otp-key"[^>]*>/.exec(html)![0], 'value')!;

describe('a new user with "OTP Configured"', () => {
  test('enrolls a device, sets a password, saves backup codes and is signed in', async () => {
    const link = await invite('nina', true);
    const browser = new PageClient(f.t.app);
    const landing = await browser.get(link);
    expect(text(landing.html)).toMatch(/Welcome, nina ?\./);
    // Looking used nothing up: the link is still good.
    expect((await f.t.core.onboarding.inspect(link.split('/').pop()!)).mfaRequired).toBe(true);

    const started = await clickContinue(browser, link);
    expect(started).toMatchObject({ status: 303, location: '/setup/enroll' });
    // The password page is not reachable before the device.
    expect(await browser.get('/setup/password')).toMatchObject({ status: 303, location: '/setup/enroll' });
    expect((await browser.get('/account')).status).toBe(303);

    const enroll = await browser.get('/setup/enroll');
    expect(enroll.location).toMatch(/^\/setup\/enroll\/[\w-]+$/);
    const page = await browser.get(enroll.location!);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain("Can't scan?");
    const secret = keyOn(page.html);
    const svg = /<div role="img" aria-label="QR code">([\s\S]*?)<\/div>/.exec(page.html)?.[1] ?? '';
    expect(svg).toMatch(/^<svg/);

    const wrong = await browser.post(enroll.location!, {
      ...hiddenFields(page.html, enroll.location!),
      code: f.t.codeFor(secret, 5),
      name: 'Nina phone',
    });
    expect(wrong.status).toBe(401);
    expect(text(wrong.html)).toContain('That code is not right.');
    expect(keyOn(wrong.html)).toBe(secret); // the same QR code again

    const before = browser.sessionToken;
    const enrolled = await browser.post(enroll.location!, {
      ...hiddenFields(page.html, enroll.location!),
      code: f.t.codeFor(secret),
      name: 'Nina phone',
    });
    expect(enrolled).toMatchObject({ status: 303, location: '/setup/password' });
    expect(browser.sessionToken).not.toBe(before); // a new factor, a new session id

    const passwordPage = await browser.get('/setup/password');
    expect(passwordPage.status).toBe(200);
    const mismatch = await browser.post('/setup/password', {
      ...hiddenFields(passwordPage.html, '/setup/password'),
      password: 'a new long password',
      confirmation: 'something else',
    });
    expect(mismatch.status).toBe(400);
    expect(text(mismatch.html)).toContain('The passwords do not match.');
    const set = await browser.post('/setup/password', {
      ...hiddenFields(passwordPage.html, '/setup/password'),
      password: 'a new long password',
      confirmation: 'a new long password',
    });
    expect(set).toMatchObject({ status: 303, location: '/account/backup-codes' });

    const codesPage = await browser.get('/account/backup-codes');
    expect(codesPage.status).toBe(200);
    const codes = [...codesPage.html.matchAll(/<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/li>/g)].map(
      (m) => m[1]!,
    );
    expect(codes).toHaveLength(10);
    const confirmed = await browser.post(
      '/account/backup-codes/confirm',
      hiddenFields(codesPage.html, '/account/backup-codes/confirm'),
    );
    expect(confirmed).toMatchObject({ status: 303, location: '/account/mfa-activated' });
    const account = await browser.get('/account');
    expect(account.status).toBe(200);
    expect(text(account.html)).toContain('Nina phone');
    const nina = (await f.t.store.users.findByUsername('nina'))!;
    expect(nina.backup_codes_confirmed).toBe(1);

    // From now on the login needs the code; a backup code works too (seed 002).
    const login = await f.t.core.signIn.login({
      login: 'nina',
      password: 'a new long password',
      kind: 'api',
    });
    expect(login.outcome).toBe('second_factor_required');
    const withBackup = await f.t.core.signIn.login({
      login: 'nina',
      password: 'a new long password',
      otp: codes[0],
      kind: 'api',
    });
    expect(withBackup.outcome).toBe('signed_in');

    // The e-mails of ASVS 6.3.4: a device added, new backup codes.
    await f.smtp.waitFor(
      (m) => m.to.includes('nina@example.test') && m.subject === 'Twofold: a sign-in device was added',
    );
    await f.smtp.waitFor(
      (m) => m.to.includes('nina@example.test') && m.subject === 'Twofold: new backup codes',
    );
  });

  test('the link works once, and not after 72 hours', async () => {
    const link = await invite('olga', true);
    expect((await clickContinue(new PageClient(f.t.app), link)).status).toBe(303);
    const reused = await new PageClient(f.t.app).get(link);
    expect(reused.status).toBe(410);
    expect(text(reused.html)).toContain('This link has expired or has already been used.');

    const late = await invite('paul', false);
    f.t.clock.advance(72 * 3_600_000 + 1);
    expect((await new PageClient(f.t.app).get(late)).status).toBe(410);
    expect((await new PageClient(f.t.app).get('/setup/not-a-token')).status).toBe(410);
  });

  test('"Click here to continue" needs the form\'s CSRF token', async () => {
    const link = await invite('quin', false);
    const browser = new PageClient(f.t.app);
    await browser.get(link);
    const forged = await browser.post(link, { _csrf: 'forged' });
    expect(forged.status).toBe(403);
    // Refused, and the link is still good.
    expect((await clickContinue(browser, link)).status).toBe(303);
  });
});

describe('a new user without "OTP Configured"', () => {
  test('sets a password and is signed in, with no device asked for', async () => {
    const link = await invite('rita', false);
    const browser = new PageClient(f.t.app);
    await clickContinue(browser, link);
    expect(await browser.get('/setup/enroll')).toMatchObject({ status: 303, location: '/setup/password' });
    const page = await browser.get('/setup/password');
    const set = await browser.post('/setup/password', {
      ...hiddenFields(page.html, '/setup/password'),
      password: 'rita has a long password',
      confirmation: 'rita has a long password',
    });
    expect(set).toMatchObject({ status: 303, location: '/account' });
    expect(text((await browser.get('/account')).html)).toContain('Your password is set. Welcome!');
    const login = await f.t.core.signIn.login({
      login: 'rita',
      password: 'rita has a long password',
      kind: 'api',
    });
    expect(login.outcome).toBe('signed_in');
  });
});

describe('a setup link for an account that already has a device', () => {
  test('asks for a code from that device before a new password can be set', async () => {
    const user = await f.t.createUser('sven', PASSWORD, { otpRequired: true });
    const { secret } = await f.t.enrollTotp(user, 'Sven phone');
    await f.t.core.administration.sendSetupEmail(f.admin, user.id);
    const mail = await f.smtp.waitFor(
      (m) => m.to.includes('sven@example.test') && m.subject === 'Twofold: set up your account',
    );
    const browser = new PageClient(f.t.app);
    await clickContinue(browser, new URL(firstLink(mail.text)).pathname);
    expect(await browser.get('/setup/enroll')).toMatchObject({ status: 303, location: '/setup/verify' });
    const password = await browser.get('/setup/password');
    expect(password).toMatchObject({ status: 303, location: '/setup/verify' });
    const verify = await browser.get('/setup/verify');
    const wrong = await browser.post('/setup/verify', {
      ...hiddenFields(verify.html, '/setup/verify'),
      otp: '000000' === f.t.codeFor(secret) ? '111111' : '000000',
    });
    expect(wrong.status).toBe(401);
    const right = await browser.post('/setup/verify', {
      ...hiddenFields(verify.html, '/setup/verify'),
      otp: f.t.codeFor(secret),
    });
    expect(right).toMatchObject({ status: 303, location: '/setup/password' });
    const form = await browser.get('/setup/password');
    expect(form.status).toBe(200);
    const set = await browser.post('/setup/password', {
      ...hiddenFields(form.html, '/setup/password'),
      password: 'sven forgot the old one',
      confirmation: 'sven forgot the old one',
    });
    expect(set).toMatchObject({ status: 303, location: '/account/backup-codes' });
  });
});

describe('the first administrator, from the start-up link', () => {
  test('creates the account, enrolls a device and reaches the administration', async () => {
    await f.t.store.users.remove(f.admin.id);
    const url = (await f.t.core.onboarding.createAdminSetupLink())!;
    const path = new URL(url).pathname;
    expect(path).toMatch(/^\/setup\/admin\/[\w-]{43}$/);
    const browser = new PageClient(f.t.app);
    const form = await browser.get(path);
    expect(text(form.html)).toContain('Create the first administrator');
    const mismatch = await browser.post(path, {
      ...hiddenFields(form.html, path),
      username: 'boss',
      email: 'boss@example.test',
      password: 'a long admin password',
      confirmation: 'another',
    });
    expect(mismatch.status).toBe(400);
    const created = await browser.post(path, {
      ...hiddenFields(form.html, path),
      username: 'boss',
      email: 'boss@example.test',
      password: 'a long admin password',
      confirmation: 'a long admin password',
    });
    expect(created).toMatchObject({ status: 303, location: '/setup/enroll' });
    expect((await browser.get('/admin/users')).status).toBe(303); // not before the device

    const start = await browser.get('/setup/enroll');
    const page = await browser.get(start.location!);
    expect(text(page.html)).toContain('requires two-factor authentication');
    const enrolled = await browser.post(start.location!, {
      ...hiddenFields(page.html, start.location!),
      code: f.t.codeFor(keyOn(page.html)),
    });
    expect(enrolled).toMatchObject({ status: 303, location: '/account/backup-codes' });
    expect((await browser.get('/account/backup-codes')).status).toBe(200);
    expect((await browser.get('/admin/users')).status).toBe(200);
    expect((await new PageClient(f.t.app).get(path)).status).toBe(410);
  });
});
