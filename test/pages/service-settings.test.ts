import { afterEach, beforeEach, expect, test } from 'vitest';
import { attribute, hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';
const REDIRECT = ['https://app.example.com/callback'];

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function signedInWithTotp(username: string, options: { otpRequired?: boolean } = {}) {
  const user = await t.createUser(username, PASSWORD, options);
  const { secret } = await t.enrollTotp(user);
  const browser = new PageClient(t.app);
  await browser.login(username, PASSWORD);
  const done = await browser.enterCode(t.codeFor(secret));
  expect(done.location).toBe('/account');
  return { user, secret, browser };
}

async function registerServices() {
  const chat = await t.core.services.register(
    { name: 'Chat', redirectUris: REDIRECT, mfaPolicy: 'user_choice' },
    'cli',
  );
  const wiki = await t.core.services.register(
    { name: 'Wiki', redirectUris: REDIRECT, mfaPolicy: 'required' },
    'cli',
  );
  return { chat: chat.service, wiki: wiki.service };
}

test('Service Settings lists every service; the switch exists only where the policy lets the person choose', async () => {
  const { chat, wiki } = await registerServices();
  const { browser } = await signedInWithTotp('alice');
  const page = await browser.get('/account/services');
  expect(page.status).toBe(200);
  expect(page.html).toContain(`action="/account/services/${chat.id}/mfa"`);
  expect(page.html).not.toContain(`action="/account/services/${wiki.id}/mfa"`);
  const words = text(page.html);
  expect(words).toContain('Wiki');
  expect(words).toContain('Always required by the administrator');
  expect(page.html).toMatch(
    /role="switch" aria-checked="true" aria-label="Require multi-factor authentication for Chat"/,
  );
  expect(words).toContain('Never');
});

test('turning MFA off for a service needs a fresh login and code; then the policy asks for the password alone', async () => {
  const { chat } = await registerServices();
  const { user, browser } = await signedInWithTotp('bob');
  // Freshly signed in with password and code: the change goes through.
  const off = await browser.submit('/account/services', `/account/services/${chat.id}/mfa`, {});
  expect(off.location).toBe('/account/services');
  expect(text((await browser.get('/account/services')).html)).toContain(
    'Chat no longer asks for a second factor: your password is enough there.',
  );
  expect((await t.store.services.preference(user.id, chat.id))?.mfa_off).toBe(1);
  const audit = await t.store.audit.list({ userId: user.id, type: 'service.mfa_changed' });
  expect(JSON.parse(audit[0]!.detail)).toEqual({ service: 'Chat', mfa: false });

  // Six minutes later the proof is old: log in again first, nothing changes meanwhile.
  t.clock.advance(6 * 60_000);
  const refused = await browser.submit('/account/services', `/account/services/${chat.id}/mfa`, {});
  expect(refused.location).toBe('/login?notice=reauth&next=%2Faccount%2Fservices');
  expect((await t.store.services.preference(user.id, chat.id))?.mfa_off).toBe(1);
});

test('a person marked "OTP Configured" cannot turn MFA off, and a required service refuses with a reason', async () => {
  const { chat, wiki } = await registerServices();
  const { user, browser } = await signedInWithTotp('carol', { otpRequired: true });
  const page = await browser.get('/account/services');
  expect(page.html).not.toContain(`action="/account/services/${chat.id}/mfa"`);
  const forced = await browser.post(`/account/services/${wiki.id}/mfa`, {
    _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!,
    mfa: 'off',
  });
  expect(forced.status).toBe(403);
  expect(text(forced.html)).toContain('Wiki always requires multi-factor authentication.');
  const chatForced = await browser.post(`/account/services/${chat.id}/mfa`, {
    _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!,
    mfa: 'off',
  });
  expect(chatForced.status).toBe(403);
  expect(text(chatForced.html)).toContain(
    'Your administrator requires multi-factor authentication for every service.',
  );
  expect(await t.store.services.preference(user.id, chat.id)).toBeUndefined();
});

test('revoking a service removes what it holds for the person, and only for them', async () => {
  const { chat } = await registerServices();
  const { user, browser } = await signedInWithTotp('dave');
  const other = await t.createUser('erin', PASSWORD);
  await t.store.services.recordSignIn(user.id, chat.id, t.clock.now());
  for (const [id, accountId] of [
    ['grant-dave', user.id],
    ['grant-erin', other.id],
  ] as const) {
    await t.store.oidcPayloads.upsert('Grant', id, { accountId, clientId: chat.clientId }, null);
  }
  const revoked = await browser.submit('/account/services', `/account/services/${chat.id}/revoke`, {});
  expect(revoked.location).toBe('/account/services');
  expect(await t.store.oidcPayloads.find('Grant', 'grant-dave', t.clock.now())).toBeUndefined();
  expect(await t.store.oidcPayloads.find('Grant', 'grant-erin', t.clock.now())).toBeDefined();
});

test('the first MFA setup ends on "active for all services" with Service Settings and Log out', async () => {
  await t.createUser('fred', PASSWORD);
  const browser = new PageClient(t.app);
  await browser.login('fred', PASSWORD);
  const start = await browser.get('/account/otp/new');
  const setup = await browser.get(start.location!);
  const key = attribute(/<input id="otp-key"[^>]*>/.exec(setup.html)![0], 'value')!;
  const enrolled = await browser.post(start.location!, {
    ...hiddenFields(setup.html, start.location!),
    code: t.codeFor(key, -1),
    name: 'Phone',
  });
  expect(enrolled.location).toBe('/account/backup-codes');
  const confirmed = await browser.submit('/account/backup-codes', '/account/backup-codes/confirm', {});
  expect(confirmed.location).toBe('/account/mfa-activated');
  const page = await browser.get('/account/mfa-activated');
  const words = text(page.html);
  expect(words).toContain(
    'All services that sign you in through Twofold will now require multi-factor authentication.',
  );
  expect(page.html).toContain('href="/account/services"');
  expect(page.html).toContain('action="/logout"');
});
