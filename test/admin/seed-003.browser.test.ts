/**
 * Seed 003 end to end, in a real Chromium against a real server whose e-mail goes through
 * nodemailer to a real SMTP server on loopback: the administrator adds a user with "OTP
 * Configured"; the user takes the link from the received e-mail, clicks "Click here to
 * continue", reads the QR code (zbarimg, off a screenshot) and checks "Can't scan?", types the
 * code oathtool computes, sets a password, saves the backup codes and is signed in; logs in with
 * password and code. Then the administrator turns "OTP Configured" off (confirming that the
 * devices go) and on again, and the user must set up the new phone at the next login.
 * Screenshots go to test-output/screenshots/seed-003-*.png for a reviewer.
 */
import { createServer } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMailTransport } from '../../src/cli/mail-transport.js';
import { Core } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import {
  assertToolsInstalled,
  launchChromium,
  OathtoolDevice,
  readQrCode,
  ShiftedSystemClock,
  screenshotPath,
} from '../helpers/browser.js';
import { firstLink, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { openTempSqlite } from '../helpers/sqlite-store.js';

const ADMIN_PASSWORD = 'the root password';
const USER_PASSWORD = 'nina chose this password';

let smtp: TestSmtpServer;
let core: Core;
let baseUrl: string;
let close: () => Promise<void>;
let browser: Browser;
let adminContext: BrowserContext;
let userContext: BrowserContext;
let admin: Page;
let user: Page;
let adminPhone: OathtoolDevice;
let oldPhone: OathtoolDevice;
let userId: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  await assertToolsInstalled();
  smtp = await startSmtpServer();
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  const database = await openTempSqlite();
  const clock = new ShiftedSystemClock();
  core = new Core({
    store: database.store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock,
    settings: { publicUrl: baseUrl, issuer: 'Twofold', setupLinkHours: 72 },
    mailer: createMailTransport({
      smtpUrl: smtp.url,
      from: 'Twofold <twofold@example.test>',
      outboxDir: '/nonexistent',
      log: () => {},
    }),
  });
  const app = await buildApp({ core, logger: false });
  await app.listen({ host: '127.0.0.1', port });
  close = async () => {
    await core.notices.settled();
    await app.close();
    await database.close();
  };

  // The administrator, with their own phone (administrators use MFA).
  const { user: root } = await core.accounts.createUser({
    username: 'root',
    email: 'root@example.test',
    password: ADMIN_PASSWORD,
    isAdmin: true,
  });
  const rootRow = (await core.store.users.findById(root.id))!;
  const enrollment = await core.totp.start(rootRow);
  adminPhone = new OathtoolDevice(enrollment.secret, clock);
  await core.totp.activate(rootRow, enrollment.authenticatorId, { code: await adminPhone.nextCode() });

  browser = await launchChromium();
  adminContext = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  userContext = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  // A step that cannot happen fails with the locator it waited for, not a bare test timeout.
  adminContext.setDefaultTimeout(10_000);
  userContext.setDefaultTimeout(10_000);
  admin = await adminContext.newPage();
  user = await userContext.newPage();
});

afterAll(async () => {
  await adminContext?.close();
  await userContext?.close();
  await browser?.close();
  await close?.();
  await smtp?.close();
});

const url = (path: string) => `${baseUrl}${path}`;
const shot = (page: Page, name: string) =>
  page.screenshot({ path: screenshotPath(`seed-003-${name}`), fullPage: true });
const mainText = (page: Page) => page.locator('main').textContent();

async function logIn(page: Page, username: string, password: string) {
  await page.goto(url('/login'));
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login\?notice=logged_out$/);
}

/** Reads the QR code as a phone would — from pixels, with ZBar — and returns its secret. */
async function scanQrCode(name: string): Promise<string> {
  await user.getByRole('img', { name: 'QR code' }).screenshot({ path: screenshotPath(`seed-003-${name}`) });
  const uri = new URL(await readQrCode(screenshotPath(`seed-003-${name}`)));
  expect(uri.href).toMatch(/^otpauth:\/\/totp\/Twofold:nina\?/);
  return uri.searchParams.get('secret')!;
}

/** Seed 003 step 4: the mobile authenticator's setup window, then "Submit". */
async function enrollPhone(qrName: string, deviceName: string): Promise<OathtoolDevice> {
  await user.waitForURL(/\/setup\/enroll\/[\w-]+$/);
  const secret = await scanQrCode(qrName);
  await user.getByText("Can't scan?").click();
  await expect.poll(() => user.locator('.key').textContent()).toBe(secret.match(/.{4}/g)!.join(' '));
  const phone = new OathtoolDevice(secret, { now: () => Date.now() });
  await user.getByLabel('One-time code').fill(await phone.nextCode());
  await user.getByLabel('Device name').fill(deviceName);
  return phone;
}

/** The ten codes on the page, then "I have my backup codes". */
async function saveBackupCodes(name: string) {
  await user.waitForURL(url('/account/backup-codes'));
  const codes = await user.getByRole('list', { name: 'Backup codes' }).locator('li').allTextContents();
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
  await shot(user, name);
  await user.getByRole('button', { name: 'I have my backup codes' }).click();
  await user.waitForURL(url('/account/mfa-activated'));
  await user.getByRole('link', { name: 'Back to my account' }).click();
  await user.waitForURL(url('/account'));
}

describe('seed 003: one-time code set up by the administrator', () => {
  test('the administrator logs in with a code and adds a user with "OTP Configured"', async () => {
    await logIn(admin, 'root', `${ADMIN_PASSWORD}${await adminPhone.nextCode()}`);
    await admin.waitForURL(url('/account'));
    await admin.goto(url('/admin/users'));
    await admin.getByRole('button', { name: 'Add User' }).click();
    await admin.waitForURL(/\/admin\/users\/new\??$/); // a GET form: the URL may end in '?'
    await admin.getByLabel('User name').fill('nina');
    await admin.getByLabel('E-mail').fill('nina@example.test');
    await admin.getByLabel('First name').fill('Nina');
    await admin.getByLabel('Last name').fill('Berg');
    await admin.getByLabel('OTP Configured').check();
    await shot(admin, '01-add-user');
    await admin.getByRole('button', { name: 'Add User' }).click();
    await admin.waitForURL(/\/admin\/users\/[\w-]+$/);
    userId = admin.url().split('/').pop()!;
    expect(await mainText(admin)).toContain('User nina was added. A password-setup e-mail was sent');
    await shot(admin, '02-user-profile');
  });

  test('the user follows the e-mailed link, enrolls the phone, sets a password, saves backup codes', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes('nina@example.test'));
    expect(mail.subject).toBe('Twofold: set up your account');
    await user.goto(firstLink(mail.text));
    await shot(user, '03-click-here-to-continue');
    await user.getByRole('button', { name: 'Click here to continue' }).click();

    oldPhone = await enrollPhone('04a-qr-code', 'MySmartPhone');
    await shot(user, '04-mobile-authenticator-setup');
    await user.getByRole('button', { name: 'Submit' }).click();

    await user.waitForURL(url('/setup/password'));
    await user.getByLabel('New password', { exact: true }).fill(USER_PASSWORD);
    await user.getByLabel('New password again').fill(USER_PASSWORD);
    await shot(user, '05-set-password');
    await user.getByRole('button', { name: 'Set password' }).click();

    await saveBackupCodes('06-backup-codes');
    expect(await user.getByRole('row', { name: /MySmartPhone/ }).count()).toBe(1);
    await shot(user, '07-signed-in');
  });

  test('the user logs in again with the password and the code', async () => {
    await logOut(user);
    await logIn(user, 'nina', `${USER_PASSWORD}${await oldPhone.nextCode()}`);
    await user.waitForURL(url('/account'));
  });

  test('the administrator turns "OTP Configured" off (devices removed, after confirming) and on again', async () => {
    await admin.goto(url(`/admin/users/${userId}`));
    await admin.getByRole('button', { name: 'Edit User' }).click();
    await admin.waitForURL(/\/edit\??$/);
    await admin.getByLabel('OTP Configured').uncheck();
    await admin.getByRole('button', { name: 'Save' }).click();
    expect(await mainText(admin)).toContain("The user's devices will be removed: 1 authenticator");
    await shot(admin, '08-confirm-otp-off');
    await admin.getByRole('button', { name: 'Turn off and remove devices' }).click();
    await admin.waitForURL(url(`/admin/users/${userId}`));
    expect(await mainText(admin)).toContain('"OTP Configured" is off for nina');
    expect(await mainText(admin)).toContain('No authenticators.');

    await admin.getByRole('button', { name: 'Edit User' }).click();
    await admin.waitForURL(/\/edit\??$/);
    await admin.getByLabel('OTP Configured').check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.waitForURL(url(`/admin/users/${userId}`));
    expect(await mainText(admin)).toContain('"OTP Configured" is on for nina');
    await shot(admin, '09-otp-on-again');
  });

  test('at the next login the user must set up the new phone, and only it works', async () => {
    await logOut(user);
    await logIn(user, 'nina', USER_PASSWORD);
    // The login itself sends a person who must enroll straight to the enrollment.
    await user.waitForURL(/\/setup\/enroll\/[\w-]+$/);
    await expect
      .poll(() => mainText(user))
      .toContain('Your administrator requires two-factor authentication');
    const newPhone = await enrollPhone('10a-new-qr-code', 'NewPhone');
    expect(newPhone.secret).not.toBe(oldPhone.secret);
    await shot(user, '10-enroll-new-phone');
    await user.getByRole('button', { name: 'Submit' }).click();
    await saveBackupCodes('11-new-backup-codes');
    expect(await user.getByRole('row', { name: /NewPhone/ }).count()).toBe(1);
    expect(await user.getByRole('row', { name: /MySmartPhone/ }).count()).toBe(0);

    await logOut(user);
    await logIn(user, 'nina', `${USER_PASSWORD}${await oldPhone.nextCode()}`);
    // The old phone's code is refused; the password step stands and asks for a valid code.
    await expect.poll(() => mainText(user)).toContain('The one-time code was not valid.');
    await user.getByLabel('One-time code').fill(await newPhone.nextCode());
    await user.getByRole('button', { name: 'Log in', exact: true }).click();
    await user.waitForURL(url('/account'));
    await shot(user, '12-signed-in-with-new-phone');
  });
});
