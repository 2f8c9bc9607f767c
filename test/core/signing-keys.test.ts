import { afterEach, beforeEach, expect, test } from 'vitest';
import { RETIRED_KEY_PUBLISHED_MS } from '../../src/core/index.js';
import { oidcAdapterFactory } from '../../src/oidc/adapter.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

test('first load generates one ES256 and one RS256 key, sealed; later loads return the same keys', async () => {
  const keys = await t.core.signingKeys.load();
  expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
  expect(keys.every((key) => typeof key.d === 'string' && key.use === 'sig')).toBe(true);
  const rows = await t.store.signingKeys.listAll();
  for (const row of rows) expect(row.private_jwk_sealed).not.toContain(keys[0]!.d!);
  expect((await t.core.signingKeys.load()).map((key) => key.kid)).toEqual(keys.map((key) => key.kid));
});

test('rotation puts new keys first, keeps the old ones published until RETIRED_KEY_PUBLISHED_MS, then drops them', async () => {
  const before = await t.core.signingKeys.load();
  const { kids } = await t.core.signingKeys.rotate();
  const after = await t.core.signingKeys.load();
  expect(after).toHaveLength(4);
  expect(
    after
      .slice(0, 2)
      .map((key) => key.kid)
      .sort(),
  ).toEqual([...kids].sort());
  expect(
    after
      .slice(2)
      .map((key) => key.kid)
      .sort(),
  ).toEqual(before.map((key) => key.kid).sort());

  t.clock.advance(RETIRED_KEY_PUBLISHED_MS - 1000);
  expect(await t.core.signingKeys.load()).toHaveLength(4);
  t.clock.advance(2000);
  expect((await t.core.signingKeys.load()).map((key) => key.kid).sort()).toEqual([...kids].sort());
  const audit = await t.store.audit.list({ type: 'keys.signing_rotated' });
  expect(audit).toHaveLength(1);
});

test('the cookie key is made once and shared: a second load returns the same', async () => {
  const first = await t.core.signingKeys.cookieKeys();
  expect(first[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await t.core.signingKeys.cookieKeys()).toEqual(first);
});

test('the adapter: expiry, consumption once, grant revocation, and expired rows swept on writes', async () => {
  const adapter = oidcAdapterFactory(t.store, t.clock);
  const codes = adapter('AuthorizationCode');
  await codes.upsert('c1', { grantId: 'g1', clientId: 'wiki', accountId: 'u1' } as never, 60);
  expect(await codes.find('c1')).toMatchObject({ grantId: 'g1' });
  await codes.consume('c1');
  expect(await codes.find('c1')).toMatchObject({ consumed: true });
  // A second consumer (another instance, the same instant) loses, and the grant's issue goes.
  await adapter('AccessToken').upsert('a1', { grantId: 'g1', clientId: 'wiki' } as never, 600);
  await expect(codes.consume('c1')).rejects.toMatchObject({ error: 'invalid_grant' });
  expect(await adapter('AccessToken').find('a1')).toBeUndefined();

  await codes.upsert('c2', { grantId: 'g2' } as never, 60);
  t.clock.advance(61_000);
  expect(await codes.find('c2')).toBeUndefined();
  const sessions = adapter('Session');
  for (let i = 0; i < 500; i++) await sessions.upsert(`s${i}`, { uid: `u${i}` } as never, 3600);
  expect(await t.store.oidcPayloads.find('AuthorizationCode', 'c2', 0)).toBeUndefined();
  expect(await sessions.findByUid('u7')).toMatchObject({ uid: 'u7' });
});
