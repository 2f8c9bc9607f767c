/**
 * Threat: a user whose administrator requires a second factor keeps using the account with the
 * password alone by never finishing the enrollment. After the password step such a login
 * reaches nothing but the enrollment, in the browser and over the API (401
 * `enrollment_required`), until a device is proven; then the backup codes, then everything.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { type AdminFixture, createAdminFixture, PASSWORD } from '../admin/admin-helpers.js';
import { attribute, hiddenFields, PageClient, text } from '../helpers/page-client.js';

let f: AdminFixture;
let user: UserRow;
beforeEach(async () => {
  f = await createAdminFixture();
  user = await f.t.createUser('olaf');
  await f.t.core.administration.updateUser(f.admin, user.id, { otpRequired: true });
});
afterEach(async () => {
  await f.close();
});

/** Logs in with the password; the login page sends the person on (to the enrollment, once login.ts does). */
async function logIn(): Promise<PageClient> {
  const browser = new PageClient(f.t.app);
  const response = await browser.login('olaf', PASSWORD);
  expect(response.status).toBe(303);
  expect(response.location).toBe('/setup/enroll');
  return browser;
}

describe('an existing user once "OTP Configured" is on', () => {
  test('reaches nothing but the enrollment after the password', async () => {
    const browser = await logIn();
    for (const path of [
      '/account',
      '/account/otp/new',
      '/account/password',
      '/admin/users',
      '/setup/password',
    ]) {
      const response = await browser.get(path);
      expect(response.status, path).toBe(303);
      expect(response.location, path).toMatch(/^\/setup\/enroll/);
    }
    const session = await f.t.core.sessions.resolve(browser.sessionToken);
    expect(session?.row.stage).toBe('enrollment');
  });

  test('enrolls the mobile authenticator, gets backup codes, and is then signed in', async () => {
    const browser = await logIn();
    const start = await browser.get('/setup/enroll');
    expect(start.location).toMatch(/^\/setup\/enroll\/[\w-]+$/);
    const page = await browser.get(start.location!);
    expect(text(page.html)).toContain('Your administrator requires two-factor authentication');
    const secret = attribute(/<input id="otp-key"[^>]*>/.exec(page.html)![0], 'value')!;
    const enrolled = await browser.post(start.location!, {
      ...hiddenFields(page.html, start.location!),
      code: f.t.codeFor(secret),
      name: 'New phone',
    });
    expect(enrolled).toMatchObject({ status: 303, location: '/account/backup-codes' });
    const codes = await browser.get('/account/backup-codes');
    expect(text(codes.html)).toContain('Your device "New phone" is set up.');
    expect([...codes.html.matchAll(/<li>[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}<\/li>/g)]).toHaveLength(10);
    const done = await browser.post(
      '/account/backup-codes/confirm',
      hiddenFields(codes.html, '/account/backup-codes/confirm'),
    );
    expect(done.location).toBe('/account/mfa-activated');
    expect((await browser.get('/account')).status).toBe(200);
    await f.smtp.waitFor((m) => m.to.includes('olaf@example.test') && /device was added/.test(m.subject));
  });

  test('over the API, a login token answers 401 enrollment_required except for the enrollment', async () => {
    const login = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'olaf', password: PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
    const refused = await f.t.app.inject({ method: 'GET', url: '/api/v1/me/api-tokens', headers });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.reason).toBe('enrollment_required');
    const me = await f.t.app.inject({ method: 'GET', url: '/api/v1/me', headers });
    expect(me.json().mfa).toEqual({ active: false, required: true });
  });

  test('if the administrator turns the requirement off meanwhile, the password login stands', async () => {
    const browser = await logIn();
    await f.t.core.administration.updateUser(f.admin, user.id, { otpRequired: false });
    expect(await browser.get('/setup/enroll')).toMatchObject({ status: 303, location: '/account' });
    expect((await browser.get('/account')).status).toBe(200);
  });

  test('a session that is signed in has no enrollment to do', async () => {
    const other = await f.t.createUser('plain');
    const browser = new PageClient(f.t.app);
    await browser.login(other.username, PASSWORD);
    expect(await browser.get('/setup/enroll')).toMatchObject({ status: 303, location: '/account' });
    expect(await new PageClient(f.t.app).get('/setup/enroll')).toMatchObject({ status: 303 });
  });
});
