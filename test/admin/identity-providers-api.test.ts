/**
 * External identity providers in the administration API through `app.inject()`: added after a
 * real discovery (another Twofold on loopback is the provider), listed, shown by slug, name or
 * id, changed and removed, each audited with the administrator; the client secret sealed and
 * never in an answer; a bad issuer a 400 that says why; administrators only; in the OpenAPI
 * document.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { closedIssuerUrl, type RunningIssuer, startIssuer } from '../helpers/issuer.js';
import { type AdminFixture, adminToken, createAdminFixture, PASSWORD } from './admin-helpers.js';

const SECRET = 'the provider issued this secret';

let issuer: RunningIssuer;
let f: AdminFixture;
let token: string;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});
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
const BASE = '/api/v1/admin/identity-providers';
const add = (body: object = {}) =>
  call('POST', BASE, { name: 'Staff', issuer: issuer.url, clientId: 'twofold', ...body });
const stored = async (slug: string) => f.t.store.identityProviders.findBySlug(slug);

test('add: 201 with every field and the redirect URI to register; the secret sealed, never returned', async () => {
  const created = await add({
    clientSecret: SECRET,
    scopes: ['openid', 'email'],
    matching: 'create',
    emailDomains: ['example.com'],
    mfaPolicy: 'trust_provider_mfa',
    mfaAcrValues: ['gold'],
  });
  expect(created.statusCode, created.body).toBe(201);
  const body = created.json();
  expect(body).toEqual({
    id: expect.any(String),
    slug: 'staff',
    name: 'Staff',
    issuer: issuer.url,
    clientId: 'twofold',
    hasClientSecret: true,
    scopes: ['openid', 'email'],
    matching: 'create',
    emailDomains: ['example.com'],
    mfaPolicy: 'trust_provider_mfa',
    mfaAcrValues: ['gold'],
    redirectUri: 'http://localhost:8080/login/idp/staff/callback',
    createdAt: '2026-01-01T00:00:40.000Z',
    updatedAt: '2026-01-01T00:00:40.000Z',
  });
  const row = (await stored('staff'))!;
  expect(row.client_secret_sealed).not.toContain(SECRET);
  expect(f.t.core.identityProviders.clientSecretOf(row)).toBe(SECRET);

  for (const reference of ['staff', 'Staff', body.id]) {
    const shown = await call('GET', `${BASE}/${encodeURIComponent(reference)}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual(body);
    expect(shown.body).not.toContain(SECRET);
  }
  const listed = await call('GET', BASE);
  expect(listed.json()).toEqual({ identityProviders: [body] });
  expect(listed.body).not.toContain(SECRET);
  const audit = await f.t.store.audit.list({ type: 'idp.added' });
  expect(audit).toHaveLength(1);
  expect(audit[0]?.actor_id).toBe(f.admin.id);
  expect(audit[0]?.detail).not.toContain(SECRET);
});

test('an issuer that does not answer, or is not an OpenID Connect issuer: 400 on the issuer, saying why', async () => {
  const closed = await closedIssuerUrl();
  for (const [url, reason] of [
    [closed, 'ECONNREFUSED'],
    [`${issuer.url}/realms/staff`, 'unexpected HTTP response status code'],
    [issuer.url.replace('127.0.0.1', 'localhost'), 'issuer does not match the expected issuer'],
  ] as const) {
    const refused = await add({ issuer: url });
    expect(refused.statusCode).toBe(400);
    const error = refused.json().error;
    expect(error).toMatchObject({ code: 400, reason: 'invalid_input', field: 'issuer' });
    expect(error.message).toContain(
      `Twofold could not read the OpenID Connect discovery document of "${url}" (${url}/.well-known/openid-configuration)`,
    );
    expect(error.message).toContain(reason);
    expect(error.message).toContain('Check the issuer URL');
  }
  expect(await f.t.store.identityProviders.list()).toEqual([]);
  expect(await f.t.store.audit.list({ type: 'idp.added' })).toEqual([]);
});

test('bad input: a 400 naming what to fix, and nothing written', async () => {
  const plainHttp = await add({ issuer: 'http://idp.example.com' });
  expect(plainHttp.statusCode).toBe(400);
  expect(plainHttp.json().error).toMatchObject({
    field: 'issuer',
    message:
      'Invalid issuer "http://idp.example.com": use https, or http only on 127.0.0.1, [::1] or localhost.',
  });
  const badSlug = await add({ slug: 'Not A Slug' });
  expect(badSlug.statusCode).toBe(400);
  expect(badSlug.json().error.field).toBe('slug');
  const badPolicy = await add({ mfaPolicy: 'sometimes' });
  expect(badPolicy.statusCode).toBe(400);
  expect(badPolicy.json().error.message).toContain('body field "mfaPolicy"');
  const unknownField = await add({ clientSecretHash: 'x' });
  expect(unknownField.statusCode).toBe(400);
  expect(unknownField.json().error.message).toBe(
    'Invalid request: body has a field this call does not take: "clientSecretHash". Check its spelling.',
  );
  const badDomain = await add({ matching: 'create', emailDomains: ['not a domain'] });
  expect(badDomain.statusCode).toBe(400);
  expect(badDomain.json().error.field).toBe('emailDomains');
  expect(await f.t.store.identityProviders.list()).toEqual([]);
});

test('patch the policy, matching, domains and secret; a refused patch changes nothing; remove; then 404', async () => {
  expect((await add({ clientSecret: SECRET })).statusCode).toBe(201);
  expect((await add({ name: 'Other', clientId: 'other' })).statusCode).toBe(201);
  const patched = await call('PATCH', `${BASE}/staff`, {
    mfaPolicy: 'always_twofold',
    matching: 'email',
    emailDomains: ['a.example', 'b.example'],
  });
  expect(patched.statusCode, patched.body).toBe(200);
  expect(patched.json()).toMatchObject({
    name: 'Staff',
    mfaPolicy: 'always_twofold',
    matching: 'email',
    emailDomains: ['a.example', 'b.example'],
    hasClientSecret: true,
  });
  const [event] = await f.t.store.audit.list({ type: 'idp.updated' });
  expect(event?.actor_id).toBe(f.admin.id);
  expect(JSON.parse(event!.detail)).toMatchObject({
    mfa_policy_from: 'trust_provider',
    mfa_policy: 'always_twofold',
  });

  const before = await stored('staff');
  const unreachable = await call('PATCH', `${BASE}/staff`, {
    issuer: await closedIssuerUrl(),
    mfaPolicy: 'trust_provider',
  });
  expect(unreachable.statusCode).toBe(400);
  expect(unreachable.json().error.field).toBe('issuer');
  const taken = await call('PATCH', `${BASE}/staff`, { name: 'Other' });
  expect(taken.statusCode).toBe(409);
  expect(taken.json().error.message).toBe('An identity provider named "Other" already exists.');
  expect(await stored('staff')).toEqual(before);

  const noSecret = await call('PATCH', `${BASE}/staff`, { clientSecret: null });
  expect(noSecret.json().hasClientSecret).toBe(false);
  expect((await stored('staff'))?.client_secret_sealed).toBeNull();
  const newSecret = await call('PATCH', `${BASE}/staff`, { clientSecret: 'another one' });
  expect(newSecret.json().hasClientSecret).toBe(true);
  expect(newSecret.body).not.toContain('another one');
  expect(f.t.core.identityProviders.clientSecretOf((await stored('staff'))!)).toBe('another one');

  expect((await call('DELETE', `${BASE}/staff`)).statusCode).toBe(204);
  const gone = await call('GET', `${BASE}/staff`);
  expect(gone.statusCode).toBe(404);
  expect(gone.json().error.message).toBe('No identity provider "staff".');
  expect((await call('DELETE', `${BASE}/staff`)).statusCode).toBe(404);
  expect((await f.t.store.audit.list({ type: 'idp.removed' }))[0]?.actor_id).toBe(f.admin.id);
  expect((await call('GET', BASE)).json().identityProviders.map((p: { slug: string }) => p.slug)).toEqual([
    'other',
  ]);
});

test('a non-administrator gets 403; the paths are in the OpenAPI document, with no secret in what they answer', async () => {
  await f.t.createUser('pat', PASSWORD);
  const login = await f.t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { username: 'pat', password: PASSWORD },
  });
  for (const [method, url] of [
    ['GET', BASE],
    ['POST', BASE],
    ['DELETE', `${BASE}/staff`],
  ] as const) {
    const refused = await call(method, url, method === 'POST' ? {} : undefined, login.json().token);
    expect(refused.statusCode).toBe(403);
  }
  const openapi = (await f.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining([BASE, `${BASE}/{provider}`]));
  const one = openapi.paths[`${BASE}/{provider}`];
  expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'patch']);
  const answer = one.get.responses['200'].content['application/json'].schema;
  expect(Object.keys(answer.properties)).toContain('hasClientSecret');
  expect(Object.keys(answer.properties)).not.toContain('clientSecret');
  expect(
    Object.keys(openapi.paths[BASE].post.requestBody.content['application/json'].schema.properties),
  ).toContain('clientSecret');
});

test('a change needs a fresh second factor; reading does not', async () => {
  expect((await add()).statusCode).toBe(201);
  f.t.clock.advance(6 * 60_000);
  expect((await call('GET', `${BASE}/staff`)).statusCode).toBe(200);
  const stale = await call('PATCH', `${BASE}/staff`, { mfaPolicy: 'always_twofold' });
  expect(stale.statusCode).toBe(401);
  expect(stale.json().error.reason).toBe('step_up_required');
  expect((await add({ name: 'Later', clientId: 'later' })).statusCode).toBe(401);
  expect((await call('DELETE', `${BASE}/staff`)).statusCode).toBe(401);
  expect((await call('GET', `${BASE}/staff`)).json().mfaPolicy).toBe('trust_provider');
});
