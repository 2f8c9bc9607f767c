/**
 * What a person does, in a real Chromium against a real server: log in, set up OTP by
 * scanning the QR code (zbarimg reads it off a screenshot), type the code oathtool computes,
 * log out and in again with the code appended and in two steps, add a second device (asked to
 * log in again with a code from the first), remove the first, and find its codes refused.
 * After the first device come the backup codes: downloaded (read back with pdftotext),
 * printed, and confirmed with "I have my backup codes".
 * Every page is saved under test-output/screenshots for a reviewer.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  assertToolsInstalled,
  launchChromium,
  OathtoolDevice,
  type RunningServer,
  readQrCode,
  screenshotPath,
  startServer,
} from '../helpers/browser.js';

const PASSWORD = 'correct horse battery';
const BACKUP_CODE = /[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/g;
const run = promisify(execFile);

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let phone: OathtoolDevice;
let laptop: OathtoolDevice;

beforeAll(async () => {
  await assertToolsInstalled();
  server = await startServer({ issuer: 'Twofold' });
  await server.core.accounts.createUser({
    username: 'alice',
    email: 'alice@example.test',
    password: PASSWORD,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

const url = (path: string) => `${server.baseUrl}${path}`;
const file = (name: string) => screenshotPath(`totp-${name}`);
const shot = (name: string) => page.screenshot({ path: file(name), fullPage: true });

async function logIn(password: string) {
  await page.getByLabel('Username or email').fill('alice');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

async function logOut() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(url('/login?notice=logged_out'));
  await expect.poll(() => page.getByRole('status').textContent()).toContain('You have been logged out.');
}

/** Scans the QR code the way a phone would: from pixels, with ZBar. Returns the otpauth URI. */
async function scanQrCode(name: string): Promise<URL> {
  const qr = page.getByRole('img', { name: 'QR code' });
  await qr.screenshot({ path: file(name) });
  const uri = await readQrCode(file(name));
  expect(uri).toMatch(/^otpauth:\/\/totp\/Twofold:alice\?/);
  return new URL(uri);
}

describe('a person sets up and uses TOTP in the browser', () => {
  test('logs in with the password', async () => {
    await page.goto(url('/'));
    await page.waitForURL(url('/login'));
    await shot('01-login');
    await logIn(PASSWORD);
    await page.waitForURL(url('/account'));
    await expect.poll(() => page.locator('main').textContent()).toContain('Two-factor authentication is off');
    await shot('02-account-without-devices');
  });

  test('sets up OTP by scanning the QR code and typing the code oathtool shows', async () => {
    await page.getByRole('button', { name: 'Set up OTP' }).click();
    await page.waitForURL(/\/account\/otp\/[\w-]+$/);
    await shot('03-set-up-otp');
    const uri = await scanQrCode('03a-qr-code-scanned');
    const secret = uri.searchParams.get('secret')!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri.searchParams.get('issuer')).toBe('Twofold');

    await page.getByText('Unable to scan?').click();
    await expect.poll(() => page.locator('.key').textContent()).toBe(secret.match(/.{4}/g)!.join(' '));
    expect(await page.getByLabel('Key without spaces, to copy').inputValue()).toBe(secret);
    await shot('04-unable-to-scan');

    phone = new OathtoolDevice(secret, server.clock);
    await page.getByLabel('One-time code').fill(await phone.nextCode());
    await page.getByLabel('Device name').fill('MySmartPhone');
    await page.getByRole('button', { name: 'Submit' }).click();
    // The first device: the setup goes on to the backup codes (seed 004).
    await page.waitForURL(url('/account/backup-codes'));
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('Your device "MySmartPhone" is set up and ready to use.');
    const codes =
      (await page.getByRole('list', { name: 'Backup codes' }).textContent())?.match(BACKUP_CODE) ?? [];
    expect(new Set(codes).size).toBe(10);
    await shot('05a-backup-codes');

    // Download: the PDF the browser saves holds exactly these codes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    const pdfFile = join(dirname(screenshotPath('x')), 'totp-05b-backup-codes.pdf');
    await download.saveAs(pdfFile);
    const { stdout } = await run('pdftotext', ['-layout', pdfFile, '-']);
    expect((stdout.match(BACKUP_CODE) ?? []).sort()).toEqual([...codes].sort());

    // Print: a page made for paper opens in a new tab, with the same codes on one page.
    const [printPage] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Print' }).click(),
    ]);
    await printPage.waitForLoadState('load');
    expect(new URL(printPage.url()).pathname).toBe('/account/backup-codes/print');
    const printed = (await printPage.locator('main').textContent()) ?? '';
    expect((printed.match(BACKUP_CODE) ?? []).sort()).toEqual([...codes].sort());
    await printPage.emulateMedia({ media: 'print' });
    await printPage.screenshot({ path: file('05c-print-page'), fullPage: true });
    await printPage.close();

    await page.getByRole('button', { name: 'I have my backup codes' }).click();
    // Seed 004: MFA is now on for every service, with Service Settings and Log out.
    await page.waitForURL(url('/account/mfa-activated'));
    expect(await page.locator('main').textContent()).toContain(
      'All services that sign you in through Twofold will now require multi-factor authentication.',
    );
    expect(await page.getByRole('link', { name: 'Service Settings' }).getAttribute('href')).toBe(
      '/account/services',
    );
    await page.getByRole('link', { name: 'Back to my account' }).click();
    await page.waitForURL(url('/account'));
    const main = page.locator('main');
    await expect.poll(() => main.textContent()).toContain('Your backup codes are saved.');
    expect(await main.textContent()).toContain('10 of 10 backup codes remain');
    expect(await page.getByRole('row', { name: /MySmartPhone/ }).textContent()).toMatch(
      /MySmartPhone\s*TOTP/,
    );
    await shot('05-account-with-one-device');
  });

  test('logs out, then logs in with the code typed right after the password', async () => {
    await logOut();
    await shot('06-logged-out');
    await logIn(`${PASSWORD}${await phone.nextCode()}`);
    await page.waitForURL(url('/account'));
  });

  test('logs out, then logs in in two steps: password, then "One-time code"', async () => {
    await logOut();
    await logIn(PASSWORD);
    await page.waitForURL(url('/login'));
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('Two-factor authentication is enabled');
    await shot('07-login-code-step');
    await page.getByLabel('One-time code').fill(await phone.nextCode());
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(url('/account'));
  });

  test('adds a second device: asked to log in again, with a code from the first', async () => {
    server.clock.advance(6 * 60_000); // the person comes back later: the last login is old
    await page.getByRole('button', { name: 'Set up OTP' }).click();
    await page.waitForURL(/\/login\?notice=reauth/);
    expect(await page.getByLabel('Username or email').inputValue()).toBe('alice');
    await shot('08-log-in-again');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(/\/login\?next=/);
    await shot('09-log-in-again-code-from-first-device');
    await page.getByLabel('One-time code').fill(await phone.nextCode());
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(/\/account\/otp\/[\w-]+$/);

    const uri = await scanQrCode('10a-second-qr-code-scanned');
    laptop = new OathtoolDevice(uri.searchParams.get('secret')!, server.clock);
    expect(laptop.secret).not.toBe(phone.secret);
    await page.getByLabel('One-time code').fill('000000' === (await laptop.nextCode()) ? '111111' : '000000');
    await page.getByLabel('Device name').fill('MyLaptop');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That code is not right.');
    const again = await scanQrCode('10b-same-qr-code-after-wrong-code');
    expect(again.searchParams.get('secret')).toBe(laptop.secret);
    await shot('10-set-up-second-device-wrong-code');
    await page.getByLabel('One-time code').fill(await laptop.nextCode());
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(url('/account'));
    expect(await page.getByRole('row').count()).toBe(3); // header + two devices
    await shot('11-account-with-two-devices');
  });

  test('removes the first device after confirming', async () => {
    await page
      .getByRole('row', { name: /MySmartPhone/ })
      .getByRole('button', { name: /Remove/ })
      .click();
    await page.waitForURL(/\/remove\??$/); // a GET form: the URL may end in '?'
    await shot('12-confirm-removal');
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.waitForURL(url('/account'));
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('The device "MySmartPhone" was removed.');
    expect(await page.getByRole('row', { name: /MySmartPhone/ }).count()).toBe(0);
    expect(await page.getByRole('row', { name: /MyLaptop/ }).count()).toBe(1);
    await shot('13-account-after-removal');
  });

  test("the removed device's code no longer works; the other device's does", async () => {
    await logOut();
    await logIn(`${PASSWORD}${await phone.nextCode()}`);
    await page.waitForURL(/\/login/);
    await expect.poll(() => page.locator('main').textContent()).toContain('The one-time code was not valid.');
    await shot('14-removed-device-code-refused');
    await page.getByLabel('One-time code').fill(await laptop.nextCode());
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(url('/account'));
  });

  test('the pages fit a phone screen', async () => {
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    try {
      await phoneContext.addCookies(await context.cookies());
      const small = await phoneContext.newPage();
      for (const [path, name] of [
        ['/account', '15-phone-account'],
        ['/account/password', '16-phone-change-password'],
      ] as const) {
        await small.goto(url(path));
        await small.screenshot({ path: file(name), fullPage: true });
        const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
    } finally {
      await phoneContext.close();
    }
  });
});
