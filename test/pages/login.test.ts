import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formHtml, hiddenFields, inputIds, labels, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('the login page', () => {
  test('asks for "Username or email" and "Password", every field labelled, with a "Log in" button', async () => {
    const page = await new PageClient(t.app).get('/login');
    expect(page.status).toBe(200);
    const form = formHtml(page.html, '/login');
    const labelOf = labels(form);
    expect(inputIds(form).map((id) => labelOf.get(id))).toEqual(['Username or email', 'Password']);
    expect(form).toMatch(/<button type="submit">Log in<\/button>/);
    expect(hiddenFields(page.html, '/login')._csrf).toMatch(/^[\w-]{43}$/);
  });

  test('logs in with the user name or with the e-mail address, and lands on the account page', async () => {
    await t.createUser('alice', PASSWORD);
    for (const login of ['alice', 'alice@example.test', ' ALICE ']) {
      const browser = new PageClient(t.app);
      const response = await browser.login(login, PASSWORD);
      expect(response.status, login).toBe(303);
      expect(response.location).toBe('/account');
      const account = await browser.get('/account');
      expect(account.status).toBe(200);
      expect(text(account.html)).toContain('alice@example.test');
    }
  });

  test('a wrong password and an unknown user get the same answer', async () => {
    await t.createUser('alice', PASSWORD);
    const wrongPassword = await new PageClient(t.app).login('alice', 'not the password');
    const unknownUser = await new PageClient(t.app, '198.51.100.9').login('nobody', 'not the password');
    for (const response of [wrongPassword, unknownUser]) {
      expect(response.status).toBe(401);
      expect(text(response.html)).toContain('Invalid username or password.');
      expect(response.setCookies.map((cookie) => cookie.name)).not.toContain('twofold_session');
    }
    // Apart from the random CSRF token and the typed name, the two pages are the same.
    const normalize = (html: string) => html.replace(/value="[^"]*"/g, 'value=""');
    expect(normalize(wrongPassword.html)).toBe(normalize(unknownUser.html));
  });

  test('a user without a second factor logs in with the password alone', async () => {
    await t.createUser('bob', 'password ending in 123456');
    const browser = new PageClient(t.app);
    expect((await browser.login('bob', 'password ending in 123456')).location).toBe('/account');
  });
});

describe('with an active TOTP device', () => {
  test('the code typed right after the password logs in at once (seed 001)', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const browser = new PageClient(t.app);
    const response = await browser.login('alice', `${PASSWORD}${t.codeFor(secret)}`);
    expect(response.status).toBe(303);
    expect(response.location).toBe('/account');
    expect((await browser.get('/account')).status).toBe(200);
  });

  test('a password that itself ends in digits still works, with the code appended or in the second step', async () => {
    const password = 'my pin is 20261234';
    const user = await t.createUser('carol', password);
    const { secret } = await t.enrollTotp(user);

    const appended = new PageClient(t.app);
    expect((await appended.login('carol', `${password}${t.codeFor(secret)}`)).location).toBe('/account');

    const twoSteps = new PageClient(t.app);
    const first = await twoSteps.login('carol', password);
    expect(first.location).toBe('/login');
    t.clock.advance(30_000);
    const second = await twoSteps.enterCode(t.codeFor(secret));
    expect(second.location).toBe('/account');
  });

  test('the password alone brings back the page with a notice and a "One-time code" field; the code alone finishes', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const browser = new PageClient(t.app);

    const first = await browser.login('alice', PASSWORD);
    expect(first.status).toBe(303);
    expect(first.location).toBe('/login');
    expect((await browser.get('/account')).location).toMatch(/^\/login/); // not signed in yet

    const codeStep = await browser.get('/login');
    expect(codeStep.status).toBe(200);
    expect(text(codeStep.html)).toContain('Two-factor authentication is enabled for the account alice');
    const form = formHtml(codeStep.html, '/login/code');
    expect(inputIds(form).map((id) => labels(form).get(id))).toEqual(['One-time code']);
    expect(form).not.toContain('type="password"');

    const done = await browser.enterCode(t.codeFor(secret));
    expect(done.status).toBe(303);
    expect(done.location).toBe('/account');
    expect((await browser.get('/account')).status).toBe(200);
  });

  test('a wrong appended code also leads to the code step, saying the code was not valid', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const wrong = t.codeFor(secret) === '000000' ? '111111' : '000000';
    const browser = new PageClient(t.app);
    expect((await browser.login('alice', `${PASSWORD}${wrong}`)).location).toBe('/login');
    const codeStep = await browser.get('/login');
    expect(text(codeStep.html)).toContain('The one-time code was not valid.');
    expect(text(codeStep.html)).toContain('Two-factor authentication is enabled');
    // Shown once: a reload no longer says the code was wrong.
    expect(text((await browser.get('/login')).html)).not.toContain('The one-time code was not valid.');
  });

  test('a wrong code in the second step keeps the step; the right one then logs in', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const wrong = await browser.enterCode('12345x');
    expect(wrong.status).toBe(401);
    expect(text(wrong.html)).toContain('The one-time code is not valid.');
    expect(formHtml(wrong.html, '/login/code')).toContain('One-time code');
    expect((await browser.enterCode(t.codeFor(secret))).location).toBe('/account');
  });

  test('the password step is remembered for five minutes only', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const codeStep = await browser.get('/login');
    t.clock.advance(5 * 60_000 + 1_000);
    const late = await browser.post('/login/code', {
      ...hiddenFields(codeStep.html, '/login/code'),
      otp: t.codeFor(secret),
    });
    expect(late.status).toBe(303);
    expect(late.location).toBe('/login?notice=expired');
    expect(text((await browser.get(late.location!)).html)).toContain('Your login has expired.');
  });

  test('the remembered password step is bound to this browser: another one has no code step', async () => {
    const user = await t.createUser('alice', PASSWORD);
    await t.enrollTotp(user);
    await new PageClient(t.app).login('alice', PASSWORD);
    const other = await new PageClient(t.app).get('/login');
    expect(() => formHtml(other.html, '/login/code')).toThrow();
    expect(formHtml(other.html, '/login')).toContain('Username or email');
  });
});

describe('the session', () => {
  test('the cookie is HttpOnly, SameSite=Lax, Path=/, and not Secure on http', async () => {
    await t.createUser('alice', PASSWORD);
    const response = await new PageClient(t.app).login('alice', PASSWORD);
    const header = String(response.headers['set-cookie']);
    expect(header).toMatch(/twofold_session=[\w-]{43};/);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Lax');
    expect(header).toContain('Path=/');
    expect(header).not.toContain('Secure');
  });

  test('on https the cookies are Secure', async () => {
    const https = await createTestApp({ publicUrl: 'https://mfa.example.test' });
    try {
      await https.createUser('alice', PASSWORD);
      const browser = new PageClient(https.app);
      const page = await browser.get('/login');
      expect(String(page.headers['set-cookie'])).toMatch(/twofold_csrf=.*Secure.*SameSite=Strict/);
      const response = await browser.login('alice', PASSWORD);
      expect(String(response.headers['set-cookie'])).toMatch(/twofold_session=.*Secure/);
    } finally {
      await https.close();
    }
  });

  test('a new login gets a new session id and ends the one the browser had', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const before = browser.sessionToken!;
    await browser.login('alice', PASSWORD, '/account');
    expect(browser.sessionToken).not.toBe(before);
    expect(await t.core.sessions.resolve(before)).toBeUndefined();
  });

  test('finishing the code step rotates the session id', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const pending = browser.sessionToken!;
    await browser.enterCode(t.codeFor(secret));
    expect(browser.sessionToken).not.toBe(pending);
    expect(await t.core.sessions.resolve(pending)).toBeUndefined();
  });

  test('every signed-in page has a "Log out" button, and logging out ends the session', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    await browser.login('alice', PASSWORD);
    const token = browser.sessionToken!;
    const setup = await browser.get('/account/otp/new');
    for (const path of ['/account', setup.location!, '/account/password']) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(200);
      expect(formHtml(page.html, '/logout'), path).toContain('Log out');
    }
    const out = await browser.submit('/account', '/logout', {});
    expect(out.status).toBe(303);
    expect(out.location).toBe('/login?notice=logged_out');
    expect(browser.sessionToken).toBeUndefined();
    expect(await t.core.sessions.resolve(token)).toBeUndefined();
    expect(text((await browser.get(out.location!)).html)).toContain('You have been logged out.');
    expect((await browser.get('/account')).location).toBe('/login');
  });

  test('an API login token in the cookie is not a browser session', async () => {
    const user = await t.createUser('alice', PASSWORD);
    const api = await t.core.sessions.create({
      userId: user.id,
      kind: 'api',
      stage: 'full',
      secondFactorAt: null,
    });
    const browser = new PageClient(t.app);
    browser.cookies.set('twofold_session', api.token);
    expect((await browser.get('/account')).location).toBe('/login');
    const browserSession = await t.core.sessions.create({
      userId: user.id,
      kind: 'browser',
      stage: 'full',
      secondFactorAt: null,
    });
    browser.cookies.set('twofold_session', browserSession.token);
    expect((await browser.get('/account')).status).toBe(200);
  });

  test('/ goes to the account page when signed in, to the login page otherwise', async () => {
    await t.createUser('alice', PASSWORD);
    const browser = new PageClient(t.app);
    expect((await browser.get('/')).location).toBe('/login');
    await browser.login('alice', PASSWORD);
    expect((await browser.get('/')).location).toBe('/account');
    expect((await browser.get('/login')).location).toBe('/account');
  });

  test('after login it goes to `next` only when that is a path on this site', async () => {
    await t.createUser('alice', PASSWORD);
    const cases: [string, string][] = [
      ['/account/password', '/account/password'],
      ['//evil.example/account', '/account'],
      ['https://evil.example/', '/account'],
      ['/\\evil.example', '/account'],
      ['javascript:alert(1)', '/account'],
      // The URL parser keeps it on this origin, as the path `//evil.example/login`.
      ['/..//evil.example/login', '/account'],
    ];
    for (const [next, expected] of cases) {
      const browser = new PageClient(t.app);
      const page = await browser.get(`/login?next=${encodeURIComponent(next)}`);
      const response = await browser.post('/login', {
        ...hiddenFields(page.html, '/login'),
        next,
        username: 'alice',
        password: PASSWORD,
      });
      expect(response.location, next).toBe(expected);
    }
  });
});
