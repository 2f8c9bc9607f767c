import { afterEach, beforeEach, expect, test } from 'vitest';
import { TwofoldError } from '../../src/core/index.js';
import { hashToken } from '../../src/security/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const register = (redirectUris: string[], extra: object = {}) =>
  t.core.services.register({ name: 'Wiki', redirectUris, ...extra }, 'cli');

test('accepts https redirect URIs and http only on loopback', async () => {
  const { service } = await register([
    'https://app.example.com/cb',
    'http://127.0.0.1:8080/cb',
    'http://localhost/cb',
    'http://[::1]:9000/cb',
  ]);
  expect(service.redirectUris).toHaveLength(4);
  expect(service.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
});

test.each([
  ['http://example.com/cb', 'use https, or http only on 127.0.0.1'],
  ['/relative', 'it must be an absolute URL'],
  ['not a url', 'it must be an absolute URL'],
  ['https://a.example/cb#x', 'must not contain a fragment'],
  ['https://user:pw@a.example/cb', 'must not contain a user name or password'],
])('refuses the redirect URI %s and writes nothing', async (uri, reason) => {
  const refused = await register([uri]).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(TwofoldError);
  expect((refused as TwofoldError).code).toBe('invalid_input');
  expect((refused as TwofoldError).message).toContain(reason);
  expect(await t.store.services.list()).toEqual([]);
});

test('refuses no redirect URI, an unknown scope, a duplicate name or client id', async () => {
  await expect(register([])).rejects.toThrow('A service needs at least one redirect URI.');
  await expect(register(['https://a.example/cb'], { scopes: ['openid admin'] })).rejects.toThrow(
    'Unknown scope "admin"',
  );
  await register(['https://a.example/cb']);
  await expect(register(['https://a.example/cb'])).rejects.toMatchObject({ code: 'conflict' });
  await expect(
    t.core.services.register(
      { name: 'Other', clientId: 'wiki', redirectUris: ['https://a.example/cb'] },
      'cli',
    ),
  ).rejects.toMatchObject({ code: 'conflict', message: 'A service with client id "wiki" already exists.' });
});

test('the secret is stored only as its SHA-256; rotation replaces it; a public service has none', async () => {
  const { service, clientSecret } = await register(['https://a.example/cb']);
  const row = await t.store.services.findByClientId(service.clientId);
  expect(row?.secret_hash).toBe(hashToken(clientSecret!));
  expect(JSON.stringify(row)).not.toContain(clientSecret!);
  const rotated = await t.core.services.rotateSecret('Wiki', 'cli');
  expect((await t.store.services.findByClientId('wiki'))?.secret_hash).toBe(hashToken(rotated.clientSecret!));
  const spa = await t.core.services.register(
    { name: 'SPA', type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'] },
    'cli',
  );
  expect(spa.clientSecret).toBeUndefined();
  await expect(t.core.services.rotateSecret('spa', 'cli')).rejects.toMatchObject({ code: 'invalid_input' });
});

test('removing a service removes the choices people made for it and everything issued to it', async () => {
  const { service } = await register(['https://a.example/cb']);
  const user = await t.createUser('ann');
  await t.store.services.setMfaOff(user.id, service.id, true, t.clock.now());
  await t.store.oidcPayloads.upsert(
    'RefreshToken',
    'r1',
    { clientId: 'wiki', accountId: user.id, grantId: 'g' },
    null,
  );
  await t.store.oidcPayloads.upsert(
    'RefreshToken',
    'r2',
    { clientId: 'other', accountId: user.id, grantId: 'h' },
    null,
  );
  await t.core.services.remove('wiki', 'cli');
  await expect(t.core.services.show('wiki')).rejects.toMatchObject({ code: 'not_found' });
  expect(await t.store.services.preference(user.id, service.id)).toBeUndefined();
  expect(await t.store.oidcPayloads.find('RefreshToken', 'r1', t.clock.now())).toBeUndefined();
  expect(await t.store.oidcPayloads.find('RefreshToken', 'r2', t.clock.now())).toBeDefined();
  const audit = await t.store.audit.list({ type: 'service.removed' });
  expect(JSON.parse(audit[0]!.detail)).toEqual({ service: 'Wiki', client_id: 'wiki' });
});
