/**
 * ASVS 6.3.4 in spirit: the user hears by e-mail of every change to how their account is
 * protected, whichever surface made it — a device removed over the API, a backup code used at
 * the login page, the devices reset by an administrator, two-factor sign-in locked. The mail is
 * received by a real SMTP server, in a plain-text and an HTML part, and never holds a secret.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { type AdminFixture, createAdminFixture, PASSWORD } from '../admin/admin-helpers.js';
import { PageClient } from '../helpers/page-client.js';

let f: AdminFixture;
let user: UserRow;
let secret: string;
let authenticatorId: string;
beforeEach(async () => {
  f = await createAdminFixture();
  user = await f.t.createUser('vera');
  ({ secret, authenticatorId } = await f.t.enrollTotp(user, 'Vera phone'));
});
afterEach(async () => {
  await f.close();
});

const mailTo = (subject: string) =>
  f.smtp.waitFor((m) => m.to.includes('vera@example.test') && m.subject === subject);

test('removing a device over the API e-mails the user, in text and HTML, naming the device', async () => {
  const login = await f.t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { username: 'vera', password: PASSWORD, otp: f.t.codeFor(secret) },
  });
  const headers = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
  const removed = await f.t.app.inject({
    method: 'DELETE',
    url: `/api/v1/me/authenticators/${authenticatorId}`,
    headers,
  });
  expect(removed.statusCode, removed.body).toBe(204);
  const mail = await mailTo('Twofold: a sign-in device was removed');
  expect(mail.text).toContain('The device "Vera phone" was removed from your Twofold account.');
  expect(mail.raw).toMatch(/Content-Type: text\/html/);
  expect(mail.raw).not.toContain(secret);
});

test('a backup code used at the login page e-mails the user with the count left', async () => {
  const session = await f.t.core.sessions.create({
    userId: user.id,
    kind: 'browser',
    stage: 'full',
    secondFactorAt: f.t.clock.now(),
  });
  const codes = await f.t.core.backupCodes.generate((await f.t.core.sessions.resolve(session.token))!);
  await mailTo('Twofold: new backup codes');
  const browser = new PageClient(f.t.app);
  expect((await browser.login('vera', PASSWORD)).status).toBe(303);
  expect((await browser.enterCode(codes[3]!)).location).toBe('/account');
  const mail = await mailTo('Twofold: a backup code was used');
  expect(mail.text).toContain('9 remain.');
  expect(mail.raw).not.toContain(codes[3]!);
});

test('an administrator resetting two-factor, and a lock after 100 wrong codes, each e-mail the user', async () => {
  for (let i = 0; i < 100; i++) {
    await f.t.core.signIn
      .login({ login: 'vera', password: PASSWORD, otp: '000000', kind: 'api' })
      .catch(() => {});
    f.t.clock.advance(16 * 60_000);
  }
  await mailTo('Twofold: two-factor sign-in locked');
  await f.t.core.administration.resetMfa(f.admin, user.id);
  const reset = await mailTo('Twofold: your sign-in devices were reset');
  expect(reset.text).toContain('An administrator removed every sign-in device and backup code');
});
