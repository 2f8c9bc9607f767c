/**
 * Threat: a one-time code seen by someone else — over a shoulder, in a phishing proxy, in a
 * log — is used a second time within its 30-second window, or two requests carrying the same
 * code race each other so that both pass the check before either records it. RFC 6238 §5.2
 * says a verifier must not accept the second attempt of the same OTP. Core records the accepted
 * step with a conditional update per device; these tests drive it through the login pages,
 * sequentially and with concurrent duplicate submissions, where exactly one may win.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { hiddenFields, PageClient } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function aliceWithDevice() {
  const user = await t.createUser('alice', PASSWORD);
  return t.enrollTotp(user, 'Phone');
}

const signedInAfter = (response: { location: string | undefined }) => response.location === '/account';

test('a code that logged in once does not log in again, appended or in the code step', async () => {
  const { secret } = await aliceWithDevice();
  const code = t.codeFor(secret);
  expect((await new PageClient(t.app).login('alice', `${PASSWORD}${code}`)).location).toBe('/account');

  const again = new PageClient(t.app);
  expect((await again.login('alice', `${PASSWORD}${code}`)).location).toBe('/login');
  expect((await again.enterCode(code)).status).toBe(401);
  // The next step's code is fresh and works.
  expect((await again.enterCode(t.codeFor(secret, 1))).location).toBe('/account');
  // …and an older one, though inside the ±1 window, is now behind the accepted step.
  expect((await new PageClient(t.app).login('alice', `${PASSWORD}${code}`)).location).toBe('/login');
});

test('the code used to activate a device cannot then log in', async () => {
  await t.createUser('alice', PASSWORD);
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);
  const start = await browser.get('/account/otp/new');
  const page = await browser.get(start.location!);
  const key = /id="otp-key"[^>]*value="([A-Z2-7]{32})"/.exec(page.html)![1]!;
  const code = t.codeFor(key);
  expect(
    (await browser.post(start.location!, { ...hiddenFields(page.html, start.location!), code })).location,
  ).toBe('/account/backup-codes');
  expect((await new PageClient(t.app).login('alice', `${PASSWORD}${code}`)).location).toBe('/login');
});

test('concurrent logins with the same appended code: exactly one wins', async () => {
  const { secret } = await aliceWithDevice();
  const code = t.codeFor(secret);
  // Four: more would also meet the failed-code throttle (five free failures), a different rule.
  const browsers = Array.from({ length: 4 }, (_, i) => new PageClient(t.app, `198.51.100.${i + 1}`));
  // Each browser first fetches its form, so the POSTs themselves run side by side.
  const forms = await Promise.all(browsers.map((browser) => browser.get('/login')));
  const results = await Promise.all(
    browsers.map((browser, i) =>
      browser.post('/login', {
        ...hiddenFields(forms[i]!.html, '/login'),
        username: 'alice',
        password: `${PASSWORD}${code}`,
      }),
    ),
  );
  expect(results.filter(signedInAfter)).toHaveLength(1);
  expect(results.filter((r) => r.location === '/login')).toHaveLength(3);
});

test('concurrent code-step submissions of one code from two pending logins: exactly one wins', async () => {
  const { secret } = await aliceWithDevice();
  const browsers = [
    new PageClient(t.app),
    new PageClient(t.app, '198.51.100.2'),
    new PageClient(t.app, '198.51.100.3'),
  ];
  const steps: Awaited<ReturnType<PageClient['get']>>[] = [];
  for (const browser of browsers) {
    await browser.login('alice', PASSWORD);
    steps.push(await browser.get('/login'));
  }
  const code = t.codeFor(secret);
  const results = await Promise.all(
    browsers.map((browser, i) =>
      browser.post('/login/code', { ...hiddenFields(steps[i]!.html, '/login/code'), otp: code }),
    ),
  );
  expect(results.filter(signedInAfter)).toHaveLength(1);
  expect(results.filter((r) => r.status === 401)).toHaveLength(2);
});

test('a double-click: the same form posted twice at once by one browser signs in once', async () => {
  const { secret } = await aliceWithDevice();
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);
  const step = await browser.get('/login');
  const fields = { ...hiddenFields(step.html, '/login/code'), otp: t.codeFor(secret) };
  const [a, b] = await Promise.all([
    browser.post('/login/code', fields),
    browser.post('/login/code', fields),
  ]);
  expect([a, b].filter(signedInAfter)).toHaveLength(1);
});
