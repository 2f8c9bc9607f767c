/**
 * Threat: guessing the 6-digit code. One guess in a million per try is nothing if tries are
 * free — and an attacker who knows the password can open as many login sessions (or browsers,
 * or addresses) as they like, so a per-session counter would be no limit at all. RFC 4226 §7.3
 * asks for throttling per user; security rule 3 in docs/architecture.md counts failed codes per user across every
 * session: five in a row are free, then each further attempt waits (30 s, doubling), answered
 * with 429 and the wait time. Password guessing is throttled per account the same way.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
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

const wrongCodeFor = (right: string) => (right === '000000' ? '111111' : '000000');

test('wrong codes from five different browsers add up; the sixth attempt waits, wherever it comes from', async () => {
  const user = await t.createUser('alice', PASSWORD);
  const { secret } = await t.enrollTotp(user);
  const wrong = wrongCodeFor(t.codeFor(secret));
  // Five wrong codes, each from a fresh browser and address: appended and in the code step.
  for (let i = 0; i < 5; i++) {
    const browser = new PageClient(t.app, `198.51.100.${i + 1}`);
    if (i % 2 === 0) {
      expect((await browser.login('alice', `${PASSWORD}${wrong}`)).location).toBe('/login');
    } else {
      await browser.login('alice', PASSWORD);
      expect((await browser.enterCode(wrong)).status).toBe(401);
    }
  }
  // A sixth browser, with the right code even: it must wait.
  const sixth = new PageClient(t.app, '198.51.100.99');
  await sixth.login('alice', PASSWORD);
  const throttled = await sixth.enterCode(t.codeFor(secret));
  expect(throttled.status).toBe(429);
  expect(throttled.headers['retry-after']).toBe('30');
  expect(text(throttled.html)).toContain('Too many failed attempts. Try again in 30 seconds.');

  t.clock.advance(30_000);
  expect((await sixth.enterCode(t.codeFor(secret))).location).toBe('/account');
});

test('the code appended to the password is throttled the same way', async () => {
  const user = await t.createUser('alice', PASSWORD);
  const { secret } = await t.enrollTotp(user);
  const wrong = wrongCodeFor(t.codeFor(secret));
  for (let i = 0; i < 5; i++)
    await new PageClient(t.app, `198.51.100.${i + 1}`).login('alice', `${PASSWORD}${wrong}`);
  const response = await new PageClient(t.app, '198.51.100.50').login(
    'alice',
    `${PASSWORD}${t.codeFor(secret)}`,
  );
  expect(response.status).toBe(429);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(text(response.html)).toContain('Too many failed attempts.');
});

test('wrong passwords for one account are throttled across browsers and addresses, with a 429 page', async () => {
  await t.createUser('alice', PASSWORD);
  for (let i = 0; i < 5; i++) {
    expect((await new PageClient(t.app, `198.51.100.${i + 1}`).login('alice', 'wrong password')).status).toBe(
      401,
    );
  }
  const response = await new PageClient(t.app, '198.51.100.77').login('alice', PASSWORD);
  expect(response.status).toBe(429);
  expect(response.headers['retry-after']).toBe('30');
  expect(text(response.html)).toContain('Try again in 30 seconds.');
  t.clock.advance(30_000);
  const later = new PageClient(t.app, '198.51.100.78');
  expect((await later.login('alice', PASSWORD)).location).toBe('/account');
});

test('the step-up code counts against the same limit', async () => {
  const user = await t.createUser('alice', PASSWORD);
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);
  const { secret } = await t.enrollTotp(user);
  const wrong = wrongCodeFor(t.codeFor(secret));
  for (let i = 0; i < 4; i++)
    await new PageClient(t.app, `198.51.100.${i + 1}`).login('alice', `${PASSWORD}${wrong}`);
  const verify = await browser.get('/account/verify?next=%2Faccount');
  const fields = hiddenFields(verify.html, '/account/verify');
  expect((await browser.post('/account/verify', { ...fields, otp: wrong })).status).toBe(401);
  const throttled = await browser.post('/account/verify', { ...fields, otp: t.codeFor(secret) });
  expect(throttled.status).toBe(429);
  expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  expect(text(throttled.html)).toContain('Too many failed attempts.');
  expect(text(throttled.html)).toMatch(/You can try again after \d+ seconds?\./);
  expect(throttled.html).toContain('Log out'); // still signed in, still a way out
});
