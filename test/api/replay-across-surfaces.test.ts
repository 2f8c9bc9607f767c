/**
 * Threat: the login page and the API are two doors to the same account. A one-time code seen
 * once — over a shoulder, in a phishing proxy, in a log — must not open the other door within
 * its 30-second window (RFC 6238 §5.2: accept a code at most once), and an attacker must not get
 * twice the guesses by alternating doors (RFC 4226 §7.3: failures are counted per user, across
 * sessions). Both rules live in core's SecondFactor; these tests pin that the page and the API
 * really share them: a code used on the page is refused by the API and the other way round, and
 * wrong codes on either count toward the same throttle.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE } from '../../src/http/pages/page-session.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  expectAdditionalStepsBody,
  expectEnvelope,
  PASSWORD,
  postLogin,
  wrongCodeFor,
} from './api-helpers.js';

let t: TestApp;
let secret: string;
beforeEach(async () => {
  t = await createTestApp();
  ({ secret } = await t.enrollTotp(await t.createUser('alice')));
});
afterEach(async () => {
  await t.close();
});

/** The login form as a browser sends it: the CSRF cookie from GET /login, echoed in `_csrf`. */
async function pageLogin(fields: { password: string; otp?: string }) {
  const form = await t.app.inject({ method: 'GET', url: '/login' });
  const csrf = form.cookies.find((cookie) => cookie.name === LOGIN_CSRF_COOKIE)?.value;
  if (!csrf) throw new Error('GET /login set no CSRF cookie');
  const response = await t.app.inject({
    method: 'POST',
    url: '/login',
    cookies: { [LOGIN_CSRF_COOKIE]: csrf },
    payload: new URLSearchParams({ _csrf: csrf, username: 'alice', ...fields }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const signedIn = response.statusCode === 303 && response.headers.location === '/account';
  return {
    response,
    signedIn,
    session: response.cookies.find((cookie) => cookie.name === SESSION_COOKIE)?.value,
  };
}

test('a code used on the login page is refused by the API', async () => {
  const code = t.codeFor(secret);
  const page = await pageLogin({ password: PASSWORD, otp: code });
  expect(page.signedIn, `page answered ${page.response.statusCode} ${page.response.headers.location}`).toBe(
    true,
  );

  expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD, otp: code }));
  expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: `${PASSWORD}${code}` }));
});

test('a code used on the API is refused by the login page', async () => {
  const code = t.codeFor(secret);
  expect((await postLogin(t, { username: 'alice', password: PASSWORD, otp: code })).statusCode).toBe(200);

  const page = await pageLogin({ password: PASSWORD, otp: code });
  expect(page.signedIn).toBe(false);
  expect(page.response.headers.location).toBe('/login');
  // What the page left is a login waiting for its code, not a session.
  const pending = await t.core.sessions.resolve(page.session);
  expect(pending?.row.stage).toBe('password');
});

test('the next code still works on either surface: the refusals are about reuse', async () => {
  const code = t.codeFor(secret);
  expect((await postLogin(t, { username: 'alice', password: PASSWORD, otp: code })).statusCode).toBe(200);
  t.clock.advance(30_000);
  expect((await pageLogin({ password: PASSWORD, otp: t.codeFor(secret) })).signedIn).toBe(true);
});

test('wrong codes on the page and on the API count toward one throttle', async () => {
  const wrong = wrongCodeFor(t, secret);
  for (let attempt = 0; attempt < 3; attempt++) {
    expect((await pageLogin({ password: PASSWORD, otp: wrong })).signedIn).toBe(false);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD, otp: wrong }));
  }
  // Two failures on the API alone would be free; with the page's three, the sixth waits.
  const throttled = await postLogin(t, { username: 'alice', password: PASSWORD, otp: t.codeFor(secret) });
  expectEnvelope(throttled, 429, { reason: 'throttled' });
  expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
});
