/**
 * The admin page "Services" through `app.inject()`: the list, "Add service" with the client
 * secret shown once beside the discovery URL, the form coming back with what was typed when core
 * refuses it, editing the MFA policy, a new secret and removal after their confirmation pages,
 * and the CSRF and five-minute rules every administrator's change follows.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formHtml, hiddenFields, labels, type PageClient, text } from '../helpers/page-client.js';
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
const secretOn = (html: string) => /<code id="client-secret">(tf_cs_[\w-]+)<\/code>/.exec(html)?.[1];
const register = (name: string, extra: { type?: 'public'; redirectUris?: string[] } = {}) =>
  f.t.core.services.register(
    { name, redirectUris: extra.redirectUris ?? [`https://${name.toLowerCase()}.example.com/cb`], ...extra },
    'cli',
  );
const pathOf = (id: string) => `/admin/services/${id}`;

describe('/admin/services', () => {
  test('lists each service with its client id, type, MFA policy and redirect URIs', async () => {
    await register('Chat', { redirectUris: ['https://chat.example.com/cb', 'https://chat.example.com/alt'] });
    await register('SPA', { type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'] });
    const list = await admin.get('/admin/services');
    expect(list.status).toBe(200);
    const page = text(list.html);
    expect(page).toContain('2 services');
    expect(page).toContain(
      'Chat chat OpenID Connect, confidential Required (always asks for a second factor) https://chat.example.com/cb https://chat.example.com/alt',
    );
    expect(page).toContain(
      'SPA spa OpenID Connect, public Required (always asks for a second factor) http://127.0.0.1:5173/cb',
    );
    expect(list.html).toMatch(/<a href="\/admin\/services" aria-current="page">Services<\/a>/);
    // The other admin pages link to it too.
    expect((await admin.get('/admin/users')).html).toContain('href="/admin/services"');
  });

  test('a non-administrator gets 403', async () => {
    await f.t.createUser('pat', PASSWORD);
    const pat = await userBrowser(f.t, 'pat');
    expect((await pat.get('/admin/services')).status).toBe(403);
    expect((await pat.get('/admin/services/new')).status).toBe(403);
  });
});

describe('"Add service"', () => {
  test('shows the client secret once, with the discovery URL and client id; only its hash is stored', async () => {
    const form = await admin.get('/admin/services/new');
    expect(form.status).toBe(200);
    const fieldLabels = labels(form.html);
    expect(fieldLabels.get('mfa_policy')).toBe('MFA policy');
    expect(fieldLabels.get('redirect_uris')).toBe('Redirect URIs');
    expect(text(formHtml(form.html, '/admin/services'))).toContain(
      "Required (always asks for a second factor) User's choice (on once the person has MFA; they may turn it off) Not required",
    );
    const created = await admin.post('/admin/services', {
      ...hiddenFields(form.html, '/admin/services'),
      name: 'Grafana',
      client_id: '',
      type: 'confidential',
      redirect_uris: 'https://grafana.example.com/login/generic_oauth\r\nhttps://grafana.example.com/alt\r\n',
      logout_uris: '',
      mfa_policy: 'user_choice',
      scopes: 'openid profile email',
      signing_alg: 'ES256',
    });
    expect(created.status, created.html).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = secretOn(created.html);
    expect(secret).toBeDefined();
    const page = text(created.html);
    expect(page).toContain('Service Grafana was added.');
    expect(page).toContain('it is shown only now, and Twofold stores it only as a hash');
    expect(page).toContain('Discovery URL http://localhost:8080/.well-known/openid-configuration');
    expect(page).toContain('Client id grafana');

    const row = (await f.t.store.services.findByClientId('grafana'))!;
    expect(row).toMatchObject({
      mfa_policy: 'user_choice',
      secret_hash: sha256(secret!),
      scopes: 'openid profile email',
    });
    expect(JSON.parse(row.redirect_uris)).toEqual([
      'https://grafana.example.com/login/generic_oauth',
      'https://grafana.example.com/alt',
    ]);
    const audit = await f.t.store.audit.list({ type: 'service.registered' });
    expect(audit[0]?.actor_id).toBe(f.admin.id);

    // Never again: not on the list, not on the service's page.
    expect(text((await admin.get('/admin/services')).html)).toContain(
      'Grafana grafana OpenID Connect, confidential',
    );
    const own = await admin.get(pathOf(row.id));
    expect(own.status).toBe(200);
    expect(own.html).not.toContain(secret!);
    expect(own.html).not.toContain('tf_cs_');
  });

  test('a public service gets no secret', async () => {
    const created = await admin.submit('/admin/services/new', '/admin/services', {
      name: 'SPA',
      type: 'public',
      redirect_uris: 'http://localhost:5173/cb',
      mfa_policy: 'not_required',
      scopes: 'openid',
    });
    expect(created.status, created.html).toBe(201);
    expect(created.html).not.toContain('tf_cs_');
    expect(text(created.html)).toContain('A public service has no client secret');
    expect(await f.t.store.services.findByClientId('spa')).toMatchObject({
      secret_hash: null,
      mfa_policy: 'not_required',
    });
  });

  test('a bad redirect URI comes back in the form, status 400, with the message and what was typed', async () => {
    const refused = await admin.submit('/admin/services/new', '/admin/services', {
      name: 'Bad App',
      client_id: 'bad-app',
      type: 'public',
      redirect_uris: 'https://ok.example.com/cb\nhttp://example.com/cb',
      logout_uris: 'https://ok.example.com/bye',
      mfa_policy: 'user_choice',
      scopes: 'openid email',
      signing_alg: 'RS256',
      skip_consent: 'on',
    });
    expect(refused.status).toBe(400);
    expect(text(refused.html)).toContain(
      'Invalid redirect URI "http://example.com/cb": use https, or http only on 127.0.0.1, [::1] or localhost.',
    );
    expect(refused.html).toContain('value="Bad App"');
    expect(refused.html).toContain('value="bad-app"');
    expect(refused.html).toContain('https://ok.example.com/cb\nhttp://example.com/cb</textarea>');
    expect(refused.html).toContain('https://ok.example.com/bye</textarea>');
    expect(refused.html).toMatch(/<option value="user_choice" selected/);
    expect(refused.html).toMatch(/<option value="RS256" selected/);
    expect(refused.html).toMatch(/id="type_public"[^>]*checked/);
    expect(refused.html).toMatch(/id="skip_consent"[^>]*checked/);
    expect(refused.html).toContain('value="openid email"');
    expect(await f.t.store.services.list()).toEqual([]);
  });

  test('what the select does not offer, and a name taken, are form errors too, never a 500', async () => {
    const policy = await admin.submit('/admin/services/new', '/admin/services', {
      name: 'Odd',
      redirect_uris: 'https://odd.example.com/cb',
      mfa_policy: 'sometimes',
    });
    expect(policy.status).toBe(400);
    expect(text(policy.html)).toContain('Invalid MFA policy "sometimes"');
    await register('Chat');
    const taken = await admin.submit('/admin/services/new', '/admin/services', {
      name: 'Chat',
      redirect_uris: 'https://chat2.example.com/cb',
    });
    expect(taken.status).toBe(409);
    expect(text(taken.html)).toContain('A service named "Chat" already exists.');
    expect(taken.html).toContain('https://chat2.example.com/cb</textarea>');
    expect(await f.t.store.services.list()).toHaveLength(1);
  });
});

describe("a service's page", () => {
  test('edits the MFA policy and URIs; a refused edit keeps what was typed', async () => {
    const { service } = await register('Chat');
    const path = pathOf(service.id);
    const page = await admin.get(path);
    expect(text(page.html)).toContain('Client id chat Type Confidential (client secret)');
    expect(text(page.html)).toContain('Discovery URL http://localhost:8080/.well-known/openid-configuration');
    expect(page.html).toMatch(/<option value="required" selected/);
    // A client id typed as the administrator knows it finds the service as well.
    expect((await admin.get('/admin/services/chat')).status).toBe(200);

    const saved = await admin.submit(path, `${path}/edit`, {
      name: 'Chat',
      redirect_uris: 'https://chat.example.com/cb\nhttps://chat.example.com/new',
      mfa_policy: 'not_required',
      scopes: 'openid profile',
      signing_alg: 'ES256',
    });
    expect(saved).toMatchObject({ status: 303, location: path });
    expect(text((await admin.get(path)).html)).toContain('Service Chat was saved.');
    const row = (await f.t.store.services.findByClientId('chat'))!;
    expect(row).toMatchObject({ mfa_policy: 'not_required', scopes: 'openid profile' });
    expect(JSON.parse(row.redirect_uris)).toEqual([
      'https://chat.example.com/cb',
      'https://chat.example.com/new',
    ]);

    const refused = await admin.submit(path, `${path}/edit`, {
      name: 'Chat',
      redirect_uris: 'ftp://chat.example.com/cb',
      mfa_policy: 'user_choice',
    });
    expect(refused.status).toBe(400);
    expect(text(refused.html)).toContain('Invalid redirect URI "ftp://chat.example.com/cb"');
    expect(refused.html).toContain('ftp://chat.example.com/cb</textarea>');
    expect(refused.html).toMatch(/<option value="user_choice" selected/);
    expect((await f.t.store.services.findByClientId('chat'))?.mfa_policy).toBe('not_required');
    expect((await admin.get('/admin/services/nobody')).status).toBe(404);
  });

  test('a new client secret after its confirmation: shown once, and the old hash replaced', async () => {
    const { service } = await register('Chat');
    const path = `${pathOf(service.id)}/rotate-secret`;
    const before = (await f.t.store.services.findByClientId('chat'))!.secret_hash;
    const ask = await admin.get(path);
    expect(ask.status).toBe(200);
    expect(text(ask.html)).toContain('A new client secret for Chat?');
    expect(text(ask.html)).toContain('The current secret of Chat stops working at once');
    expect((await f.t.store.services.findByClientId('chat'))!.secret_hash).toBe(before);

    const rotated = await admin.post(path, hiddenFields(ask.html, path));
    expect(rotated.status, rotated.html).toBe(200);
    const secret = secretOn(rotated.html);
    expect(secret).toBeDefined();
    expect(text(rotated.html)).toContain('it is shown only now, and Twofold stores it only as a hash');
    expect(text(rotated.html)).toContain('Client id chat');
    const after = (await f.t.store.services.findByClientId('chat'))!.secret_hash;
    expect(after).not.toBe(before);
    expect(after).toBe(sha256(secret!));

    // A public service has nothing to rotate: said before asking, not after.
    const spa = await register('SPA', { type: 'public', redirectUris: ['http://127.0.0.1/cb'] });
    expect((await admin.get(pathOf(spa.service.id))).html).not.toContain('New client secret');
    const none = await admin.get(`${pathOf(spa.service.id)}/rotate-secret`);
    expect(none.status).toBe(400);
    expect(text(none.html)).toContain('"SPA" is a public service: it has no secret');
  });

  test('removal through the confirmation page; then the page is 404', async () => {
    const { service } = await register('Chat');
    const path = `${pathOf(service.id)}/remove`;
    const own = await admin.get(pathOf(service.id));
    expect(formHtml(own.html, path)).toMatch(/method="get"[\s\S]*Remove service/);
    const ask = await admin.get(path);
    expect(ask.status).toBe(200);
    expect(text(ask.html)).toContain('Remove Chat?');
    expect(text(ask.html)).toContain('Every code and token issued to Chat stops working');
    expect(await f.t.store.services.findByClientId('chat')).toBeDefined();

    const removed = await admin.post(path, hiddenFields(ask.html, path));
    expect(removed).toMatchObject({ status: 303, location: '/admin/services' });
    expect(text((await admin.get('/admin/services')).html)).toContain('Service Chat was removed.');
    expect(await f.t.store.services.findByClientId('chat')).toBeUndefined();
    expect((await admin.get(pathOf(service.id))).status).toBe(404);
    const audit = await f.t.store.audit.list({ type: 'service.removed' });
    expect(audit[0]?.actor_id).toBe(f.admin.id);
  });
});

describe('the rules of every change', () => {
  test('a form without the right CSRF token is refused, and nothing changes', async () => {
    const { service } = await register('Chat');
    const forged = await admin.post(`${pathOf(service.id)}/remove`, { _csrf: 'forged' });
    expect(forged.status).toBe(403);
    const added = await admin.post('/admin/services', {
      name: 'Sneaky',
      redirect_uris: 'https://sneaky.example.com/cb',
    });
    expect(added.status).toBe(403);
    expect((await f.t.store.services.list()).map((row) => row.name)).toEqual(['Chat']);
  });

  test('after five minutes, a change asks to log in again (with a code) and comes back', async () => {
    const { service } = await register('Chat');
    const path = `${pathOf(service.id)}/remove`;
    const csrf = hiddenFields((await admin.get(path)).html, path)._csrf!;
    f.t.clock.advance(6 * 60_000);
    expect((await admin.get(pathOf(service.id))).status).toBe(200); // reading is fine
    expect(await admin.get('/admin/services/new')).toMatchObject({
      status: 303,
      location: `/login?notice=reauth&next=${encodeURIComponent('/admin/services/new')}`,
    });
    const refused = await admin.post(path, { _csrf: csrf });
    expect(refused).toMatchObject({
      status: 303,
      location: `/login?notice=reauth&next=${encodeURIComponent(path)}`,
    });
    expect(await f.t.store.services.findByClientId('chat')).toBeDefined();

    const again = await admin.login('root', `${PASSWORD}${f.t.codeFor(f.adminSecret)}`, path);
    expect(again).toMatchObject({ status: 303, location: path });
    const confirm = await admin.get(path);
    expect((await admin.post(path, hiddenFields(confirm.html, path))).status).toBe(303);
    expect(await f.t.store.services.findByClientId('chat')).toBeUndefined();
  });
});
