import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { attribute, hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery';
const CODES = /[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/g;

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ issuer: 'Example Corp' });
});
afterEach(async () => {
  await t.close();
});

/** Signs in, sets up the first device, and lands on the backup-code page; returns its codes. */
async function firstSetup() {
  await t.createUser('alice', PASSWORD);
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);
  const start = await browser.get('/account/otp/new');
  const page = await browser.get(start.location!);
  const key = attribute(/<input id="otp-key"[^>]*>/.exec(page.html)![0], 'value')!;
  const done = await browser.post(start.location!, {
    ...hiddenFields(page.html, start.location!),
    code: t.codeFor(key, -1),
    name: 'Phone',
  });
  expect(done.location).toBe('/account/backup-codes');
  const codesPage = await browser.get('/account/backup-codes');
  const codes = text(codesPage.html).match(CODES) ?? [];
  return { browser, key, codesPage, codes };
}

test('the first setup shows ten codes once with Download, Print and "I have my backup codes"', async () => {
  const { browser, codesPage, codes } = await firstSetup();
  const page = text(codesPage.html);
  expect(page).toContain('To finish setting up two-factor authentication, save these backup codes.');
  expect(new Set(codes).size).toBe(10);
  expect(codesPage.html).toMatch(
    /<a role="button" href="\/account\/backup-codes.pdf" download>Download<\/a>/,
  );
  expect(codesPage.html).toContain('href="/account/backup-codes/print"');

  // Until confirmed, the account page keeps reminding.
  expect(text((await browser.get('/account')).html)).toContain(
    'You have not confirmed that you saved your backup codes.',
  );
  const confirmed = await browser.submit('/account/backup-codes', '/account/backup-codes/confirm', {});
  expect(confirmed.location).toBe('/account/mfa-activated');
  const account = text((await browser.get('/account')).html);
  expect(account).toContain('Your backup codes are saved. Two-factor authentication is set up.');
  expect(account).not.toContain('You have not confirmed');
  expect(account).toContain('10 of 10 backup codes remain');
  // Shown once: the page no longer has them.
  expect(text((await browser.get('/account/backup-codes')).html).match(CODES)).toBeNull();
});

test('Download gives a one-page PDF with exactly the codes; Print gives a page that opens the print dialog', async () => {
  const { browser, codes } = await firstSetup();
  const pdf = await browser.get('/account/backup-codes.pdf');
  expect(pdf.status).toBe(200);
  expect(pdf.headers['content-type']).toBe('application/pdf');
  const file = join(t.dataDir, 'codes.pdf');
  writeFileSync(file, pdf.raw.rawPayload);
  const { stdout } = await run('pdftotext', ['-layout', file, '-']);
  expect(stdout).toContain('Example Corp backup codes');
  expect((stdout.match(CODES) ?? []).sort()).toEqual([...codes].sort());

  const print = await browser.get('/account/backup-codes/print');
  expect(print.status).toBe(200);
  expect((text(print.html).match(CODES) ?? []).sort()).toEqual([...codes].sort());
  expect(print.html).toMatch(/<script src="\/static\/print\.js\?v=[\w-]+" defer>/);
  const script = await browser.get('/static/print.js');
  expect(script.html).toContain('window.print()');
  expect(print.html).not.toContain('Log out'); // nothing but the sheet on paper

  t.clock.advance(5 * 60_000);
  expect((await browser.get('/account/backup-codes.pdf')).status).toBe(404);
});

test('a backup code logs in at the code step once, and the next page says so', async () => {
  const { codes } = await firstSetup();
  const browser = new PageClient(t.app);
  expect((await browser.login('alice', PASSWORD)).location).toBe('/login');
  expect((await browser.enterCode(codes[0]!.toLowerCase())).location).toBe('/account');
  expect(text((await browser.get('/account')).html)).toContain(
    'You signed in with a backup code; it cannot be used again. 9 backup codes remain.',
  );
  // A browser keeps maxlength: the field must hold a dashed backup code (14 characters).
  const again = new PageClient(t.app);
  await again.login('alice', PASSWORD);
  const field = /<input[^>]*\bname="otp"[^>]*>/.exec((await again.get('/login')).html)![0];
  expect(Number(attribute(field, 'maxlength') ?? attribute(field, 'maxLength'))).toBeGreaterThanOrEqual(14);
  expect((await again.enterCode(codes[0]!)).status).toBe(401);
});

test('the account page warns at two codes or fewer, and a new set replaces the old one', async () => {
  const { browser, key, codes } = await firstSetup();
  for (const code of codes.slice(0, 8)) {
    const other = new PageClient(t.app);
    await other.login('alice', PASSWORD);
    expect((await other.enterCode(code)).location).toBe('/account');
  }
  const account = text((await browser.get('/account')).html);
  expect(account).toContain('2 of 10 backup codes remain');
  expect(account).toContain('Only 2 backup codes are left. Generate a new set.');

  // A new set needs a recent login with a code: after five minutes the form sends the person to log in.
  t.clock.advance(5 * 60_000 + 1);
  const stale = await browser.submit('/account', '/account/backup-codes', {});
  expect(stale.location).toMatch(/^\/login\?notice=reauth/);
  t.clock.advance(30_000);
  expect((await browser.login('alice', `${PASSWORD}${t.codeFor(key)}`, '/account')).location).toBe(
    '/account',
  );
  const fresh = await browser.submit('/account', '/account/backup-codes', {});
  expect(fresh.location).toBe('/account/backup-codes');
  const newCodes = text((await browser.get('/account/backup-codes')).html).match(CODES) ?? [];
  expect(newCodes).toHaveLength(10);
  const old = new PageClient(t.app);
  await old.login('alice', PASSWORD);
  expect((await old.enterCode(codes[9]!)).status).toBe(401);
});
