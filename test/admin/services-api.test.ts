/**
 * Services in the administration API through `app.inject()`: registered (a confidential one's
 * secret returned once and stored as its SHA-256 only), listed, shown, changed, given a new
 * secret and removed, each audited with the administrator; bad input refused with the field
 * named and nothing written; administrators only; in the OpenAPI document.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type AdminFixture, adminToken, createAdminFixture, PASSWORD } from './admin-helpers.js';

let f: AdminFixture;
let token: string;
beforeEach(async () => {
  f = await createAdminFixture();
  token = await adminToken(f);
});
afterEach(async () => {
  await f.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, bearer = token) =>
  f.t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${bearer}` },
    ...(payload ? { payload } : {}),
  });
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

test('register a confidential service: 201 with the secret once; only its SHA-256 is stored', async () => {
  const created = await call('POST', '/api/v1/admin/services', {
    name: 'Wiki',
    redirectUris: ['https://wiki.example.com/callback'],
    mfaPolicy: 'user_choice',
  });
  expect(created.statusCode, created.body).toBe(201);
  const body = created.json();
  expect(body.service).toMatchObject({
    clientId: 'wiki',
    type: 'confidential',
    mfaPolicy: 'user_choice',
    signingAlg: 'ES256',
  });
  expect(body.clientSecret).toMatch(/^tf_cs_/);
  expect((await f.t.store.services.findByClientId('wiki'))?.secret_hash).toBe(sha256(body.clientSecret));
  const shown = await call('GET', '/api/v1/admin/services/wiki');
  expect(shown.statusCode).toBe(200);
  expect(shown.body).not.toContain('tf_cs_');
  const audit = await f.t.store.audit.list({ type: 'service.registered' });
  expect(audit[0]?.actor_id).toBe(f.admin.id);
});

test('a public service has no secret; the list shows every service', async () => {
  const created = await call('POST', '/api/v1/admin/services', {
    name: 'SPA',
    type: 'public',
    redirectUris: ['http://127.0.0.1:5173/cb'],
  });
  expect(created.statusCode).toBe(201);
  expect(created.json()).not.toHaveProperty('clientSecret');
  const listed = await call('GET', '/api/v1/admin/services');
  expect(listed.json().services.map((s: { name: string }) => s.name)).toEqual(['SPA']);
});

test('bad input: a 400 naming what to fix, and nothing written', async () => {
  const badUri = await call('POST', '/api/v1/admin/services', {
    name: 'Bad',
    redirectUris: ['http://example.com/cb'],
  });
  expect(badUri.statusCode).toBe(400);
  expect(badUri.json().error).toMatchObject({
    code: 400,
    reason: 'invalid_input',
    field: 'redirectUris',
    message:
      'Invalid redirect URI "http://example.com/cb": use https, or http only on 127.0.0.1, [::1] or localhost.',
  });
  const unknownField = await call('POST', '/api/v1/admin/services', {
    name: 'Bad',
    redirectUris: ['https://a.example/cb'],
    clientSecret: 'mine',
  });
  expect(unknownField.statusCode).toBe(400);
  expect(unknownField.json().error.message).toBe(
    'Invalid request: body has a field this call does not take: "clientSecret". Check its spelling.',
  );
  const badPolicy = await call('POST', '/api/v1/admin/services', {
    name: 'Bad',
    redirectUris: ['https://a.example/cb'],
    mfaPolicy: 'sometimes',
  });
  expect(badPolicy.statusCode).toBe(400);
  expect(await f.t.store.services.list()).toEqual([]);
});

test('patch, rotate the secret, remove; then 404', async () => {
  const created = (
    await call('POST', '/api/v1/admin/services', {
      name: 'Chat',
      redirectUris: ['https://chat.example.com/cb'],
    })
  ).json();
  const patched = await call('PATCH', '/api/v1/admin/services/chat', {
    mfaPolicy: 'not_required',
    skipConsent: true,
  });
  expect(patched.statusCode).toBe(200);
  expect(patched.json()).toMatchObject({ mfaPolicy: 'not_required', skipConsent: true });
  const badPatch = await call('PATCH', '/api/v1/admin/services/chat', { logoutUris: ['chat.example.com'] });
  expect(badPatch.statusCode).toBe(400);
  expect(badPatch.json().error.field).toBe('logoutUris');
  expect((await call('GET', '/api/v1/admin/services/chat')).json()).toMatchObject({
    mfaPolicy: 'not_required',
    logoutUris: [],
  });
  const rotated = await call('POST', '/api/v1/admin/services/chat/rotate-secret');
  expect(rotated.statusCode).toBe(200);
  expect(rotated.json().clientSecret).not.toBe(created.clientSecret);
  expect((await f.t.store.services.findByClientId('chat'))?.secret_hash).not.toBe(
    sha256(created.clientSecret),
  );
  expect((await f.t.store.services.findByClientId('chat'))?.secret_hash).toBe(
    sha256(rotated.json().clientSecret),
  );
  expect((await call('DELETE', '/api/v1/admin/services/chat')).statusCode).toBe(204);
  const gone = await call('GET', '/api/v1/admin/services/chat');
  expect(gone.statusCode).toBe(404);
  expect(gone.json().error.message).toBe('No service "chat".');
});

test('a non-administrator gets 403, and the paths are in the OpenAPI document', async () => {
  await f.t.createUser('pat', PASSWORD);
  const login = await f.t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { username: 'pat', password: PASSWORD },
  });
  const refused = await call('GET', '/api/v1/admin/services', undefined, login.json().token);
  expect(refused.statusCode).toBe(403);
  const openapi = (await f.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  expect(Object.keys(openapi.paths)).toEqual(
    expect.arrayContaining([
      '/api/v1/admin/services',
      '/api/v1/admin/services/{clientId}',
      '/api/v1/admin/services/{clientId}/rotate-secret',
    ]),
  );
});

test('a public service has no secret to rotate; a change needs a fresh second factor', async () => {
  await call('POST', '/api/v1/admin/services', {
    name: 'SPA',
    type: 'public',
    redirectUris: ['http://localhost:5173/cb'],
  });
  const rotate = await call('POST', '/api/v1/admin/services/spa/rotate-secret');
  expect(rotate.statusCode).toBe(400);
  expect(rotate.json().error.message).toContain('"SPA" is a public service');

  f.t.clock.advance(6 * 60_000);
  expect((await call('GET', '/api/v1/admin/services/spa')).statusCode).toBe(200);
  const stale = await call('PATCH', '/api/v1/admin/services/spa', { mfaPolicy: 'not_required' });
  expect(stale.statusCode).toBe(401);
  expect(stale.json().error.reason).toBe('step_up_required');
  expect((await call('GET', '/api/v1/admin/services/spa')).json().mfaPolicy).toBe('required');
});

test('a site, an application and a RADIUS client: each kind with its own fields; the OIDC provider knows none of them', async () => {
  const site = await call('POST', '/api/v1/admin/services', {
    name: 'Grafana',
    kind: 'site',
    hosts: ['grafana.example.com'],
    mfaPolicy: 'user_choice',
  });
  expect(site.statusCode, site.body).toBe(201);
  expect(site.json()).not.toHaveProperty('clientSecret');
  expect(site.json().service).toMatchObject({
    kind: 'site',
    hosts: ['grafana.example.com'],
    redirectUris: [],
  });

  const app = await call('POST', '/api/v1/admin/services', { name: 'Build bot', kind: 'application' });
  expect(app.statusCode).toBe(201);
  const appSecret: string = app.json().clientSecret;
  expect((await f.t.store.services.findByClientId('build-bot'))?.secret_hash).toBe(sha256(appSecret));

  const radius = await call('POST', '/api/v1/admin/services', {
    name: 'VPN',
    kind: 'radius',
    networks: ['192.0.2.0/24', '2001:db8::/32'],
  });
  expect(radius.statusCode).toBe(201);
  const shared: string = radius.json().clientSecret;
  const row = await f.t.store.services.findByClientId('vpn');
  expect(row?.secret_hash).toBeNull();
  expect(row?.radius_secret_sealed).not.toContain(shared);
  expect(f.t.core.services.radiusSecretOf(row!)).toBe(shared);

  const patched = await call('PATCH', '/api/v1/admin/services/grafana', {
    hosts: ['grafana.example.com/admin'],
  });
  expect(patched.json()).toMatchObject({ hosts: ['grafana.example.com/admin'] });
  const wrongField = await call('PATCH', '/api/v1/admin/services/vpn', { hosts: ['x.example.com'] });
  expect(wrongField.statusCode).toBe(400);
  expect(wrongField.json().error).toMatchObject({ field: 'hosts' });

  // A client id of another kind is no OpenID Connect client.
  const authorize = await f.t.app.inject({
    method: 'GET',
    url: '/oidc/auth?client_id=build-bot&response_type=code&scope=openid&redirect_uri=https://x.example/cb',
  });
  expect(authorize.statusCode).toBe(400);
  expect(authorize.body).toContain('client is invalid');
});
