import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { hiddenFields, type PageClient, text } from '../helpers/page-client.js';
import {
  type AdminFixture,
  adminBrowser,
  createAdminFixture,
  PASSWORD,
  userBrowser,
} from './admin-helpers.js';

let f: AdminFixture;
let admin: PageClient;
beforeEach(async () => {
  f = await createAdminFixture();
  admin = await adminBrowser(f);
});
afterEach(async () => {
  await f.close();
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

test('"Add service": the secret is shown once with the discovery URL; the list shows the service', async () => {
  const form = await admin.get('/admin/services/new');
  expect(form.status).toBe(200);
  expect(text(form.html)).toContain("User's choice (on once the person has MFA; they may turn it off)");
  const created = await admin.post('/admin/services', {
    ...hiddenFields(form.html, '/admin/services'),
    name: 'Grafana',
    type: 'confidential',
    redirect_uris: 'https://grafana.example.com/login/generic_oauth\nhttps://grafana.example.com/alt',
    logout_uris: '',
    mfa_policy: 'user_choice',
    scopes: 'openid profile email',
    signing_alg: 'ES256',
  });
  expect(created.status, created.html).toBe(201);
  const secret = /<code id="client-secret">(tf_cs_[\w-]+)<\/code>/.exec(created.html)?.[1];
  expect(secret).toBeDefined();
  expect(text(created.html)).toContain('it is shown only this once, and Twofold keeps only its hash');
  expect(text(created.html)).toContain('http://localhost:8080/.well-known/openid-configuration');
  const row = await f.t.store.services.findByClientId('grafana');
  expect(row).toMatchObject({ mfa_policy: 'user_choice', secret_hash: sha256(secret!) });
  expect(JSON.parse(row!.redirect_uris)).toEqual([
    'https://grafana.example.com/login/generic_oauth',
    'https://grafana.example.com/alt',
  ]);

  const list = await admin.get('/admin/services');
  expect(text(list.html)).toContain('Grafana');
  const page = await admin.get('/admin/services/grafana');
  expect(page.html).not.toContain(secret!);
});

test('a bad redirect URI comes back in the form with the message and what was typed, status 400', async () => {
  const form = await admin.get('/admin/services/new');
  const refused = await admin.post('/admin/services', {
    ...hiddenFields(form.html, '/admin/services'),
    name: 'Bad',
    redirect_uris: 'http://example.com/cb',
    mfa_policy: 'required',
    scopes: 'openid',
  });
  expect(refused.status).toBe(400);
  expect(text(refused.html)).toContain('Invalid redirect URI "http://example.com/cb"');
  expect(refused.html).toContain('value="Bad"');
  expect(refused.html).toContain('http://example.com/cb</textarea>');
  expect(await f.t.store.services.list()).toEqual([]);
});

test('edit the policy; a new secret and removal ask first', async () => {
  await f.t.core.services.register({ name: 'Chat', redirectUris: ['https://chat.example.com/cb'] }, 'cli');
  const page = await admin.get('/admin/services/chat');
  const saved = await admin.post('/admin/services/chat/edit', {
    ...hiddenFields(page.html, '/admin/services/chat/edit'),
    name: 'Chat',
    redirect_uris: 'https://chat.example.com/cb',
    mfa_policy: 'not_required',
    scopes: 'openid profile',
  });
  expect(saved).toMatchObject({ status: 303, location: '/admin/services/chat' });
  expect(text((await admin.get('/admin/services/chat')).html)).toContain('Chat was saved.');
  expect((await f.t.store.services.findByClientId('chat'))?.mfa_policy).toBe('not_required');

  const before = (await f.t.store.services.findByClientId('chat'))?.secret_hash;
  const ask = await admin.submit('/admin/services/chat', '/admin/services/chat/rotate-secret', {});
  expect(text(ask.html)).toContain('A new client secret for Chat?');
  expect((await f.t.store.services.findByClientId('chat'))?.secret_hash).toBe(before);
  const rotated = await admin.post(
    '/admin/services/chat/rotate-secret',
    hiddenFields(ask.html, '/admin/services/chat/rotate-secret'),
  );
  const secret = /<code id="client-secret">(tf_cs_[\w-]+)<\/code>/.exec(rotated.html)?.[1];
  expect((await f.t.store.services.findByClientId('chat'))?.secret_hash).toBe(sha256(secret!));

  const askRemove = await admin.submit('/admin/services/chat', '/admin/services/chat/remove', {});
  expect(text(askRemove.html)).toContain('Remove Chat?');
  const removed = await admin.post(
    '/admin/services/chat/remove',
    hiddenFields(askRemove.html, '/admin/services/chat/remove'),
  );
  expect(removed).toMatchObject({ status: 303, location: '/admin/services' });
  expect(await f.t.store.services.findByClientId('chat')).toBeUndefined();
  expect((await admin.get('/admin/services/chat')).status).toBe(404);
});

test('a non-administrator gets 403', async () => {
  await f.t.createUser('pat', PASSWORD);
  const pat = await userBrowser(f.t, 'pat');
  expect((await pat.get('/admin/services')).status).toBe(403);
});
