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

test('the pages leave an audit trail of logins, enrollment, removal and password change, without secrets', async () => {
  const user = await t.createUser('alice', PASSWORD);
  const secrets: string[] = [PASSWORD];

  await new PageClient(t.app).login('alice', 'wrong password');
  await new PageClient(t.app).login('nobody', 'wrong password');
  const browser = new PageClient(t.app);
  await browser.login('alice', PASSWORD);

  const start = await browser.get('/account/otp/new');
  const setup = await browser.get(start.location!);
  const key = /id="otp-key"[^>]*value="([A-Z2-7]{32})"/.exec(setup.html)![1]!;
  const activationCode = t.codeFor(key, -1);
  secrets.push(key, activationCode);
  await browser.post(start.location!, {
    ...hiddenFields(setup.html, start.location!),
    code: activationCode,
    name: 'Phone',
  });

  t.clock.advance(30_000);
  const wrongCode = t.codeFor(key) === '000000' ? '111111' : '000000';
  const loginCode = t.codeFor(key);
  secrets.push(wrongCode, loginCode);
  await new PageClient(t.app).login('alice', `${PASSWORD}${wrongCode}`);
  expect((await browser.login('alice', `${PASSWORD}${loginCode}`)).location).toBe('/account');

  const [device] = await t.core.authenticators.list(user);
  const removePath = `/account/authenticators/${device!.id}/remove`;
  await browser.post(removePath, hiddenFields((await browser.get(removePath)).html, removePath));

  const newPassword = 'another long passphrase';
  secrets.push(newPassword);
  const passwordPage = await browser.get('/account/password');
  await browser.post('/account/password', {
    ...hiddenFields(passwordPage.html, '/account/password'),
    current_password: PASSWORD,
    new_password: newPassword,
    confirmation: newPassword,
  });

  const events = (await t.store.audit.list({ limit: 100 })).reverse();
  const summary = events.map((event) => `${event.type} ${JSON.parse(event.detail).reason ?? ''}`.trim());
  expect(summary).toEqual(
    expect.arrayContaining([
      'login.failed password',
      'login.failed unknown_user',
      'login.succeeded',
      'authenticator.enrollment_started',
      'authenticator.added',
      'login.failed code_invalid',
      'authenticator.removed',
      'password.changed',
    ]),
  );
  expect(events.filter((event) => event.type === 'login.succeeded')).toHaveLength(2);
  const everything = JSON.stringify(events);
  for (const secret of secrets) expect(everything).not.toContain(secret);
  for (const token of browser.cookies.values()) expect(everything).not.toContain(token);
});
