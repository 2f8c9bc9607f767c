/**
 * Threat: a personal API token lives in a script, a CI secret or a config file, and it works
 * without a one-time code — so it is the credential most likely to leak, and the one that
 * bypasses the second factor. If it could mint more tokens, enrol an authenticator of the
 * attacker's, remove the owner's, change the password or step up, one leaked token would become
 * a permanent takeover of the account that survives its revocation. These tests pin that a
 * personal token can do none of that (403, reason `forbidden`), that nothing changes when it
 * tries, and that it may revoke only itself, so a leak can be cut off but cannot be used to cut
 * off the owner's other scripts.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, expectEnvelope, loginToken, PASSWORD, personalToken } from './api-helpers.js';

let t: TestApp;
let secret: string;
let authenticatorId: string;
let session: string;
let pat: { id: string; token: string };

beforeEach(async () => {
  t = await createTestApp();
  const user = await t.createUser('alice');
  ({ secret, authenticatorId } = await t.enrollTotp(user));
  session = await loginToken(t, 'alice', secret);
  pat = await personalToken(t, session);
});
afterEach(async () => {
  await t.close();
});

describe('a personal API token is refused what only a login may do', () => {
  const forbidden: ReadonlyArray<{
    what: string;
    request: () => { method: 'POST' | 'DELETE'; url: string; payload?: Record<string, unknown> };
    message: RegExp;
  }> = [
    {
      what: 'create API tokens',
      request: () => ({ method: 'POST', url: '/api/v1/me/api-tokens', payload: { name: 'more' } }),
      message: /cannot create API tokens/,
    },
    {
      what: 'start adding an authenticator',
      request: () => ({ method: 'POST', url: '/api/v1/me/authenticators/totp', payload: {} }),
      message: /cannot add authenticators/,
    },
    {
      what: 'remove an authenticator',
      request: () => ({ method: 'DELETE', url: `/api/v1/me/authenticators/${authenticatorId}` }),
      message: /cannot remove authenticators/,
    },
    {
      what: 'change the password',
      request: () => ({
        method: 'POST',
        url: '/api/v1/me/password',
        payload: { currentPassword: PASSWORD, newPassword: 'attacker chosen password' },
      }),
      message: /cannot change the password/,
    },
    {
      what: 'step up',
      request: () => ({ method: 'POST', url: '/api/v1/me/verify', payload: { otp: t.codeFor(secret, 1) } }),
      message: /cannot step up/,
    },
  ];

  for (const { what, request, message } of forbidden) {
    test(`cannot ${what}: 403 and nothing changes`, async () => {
      const before = await snapshot();
      const response = await t.app.inject({ ...request(), headers: bearer(pat.token) });
      expectEnvelope(response, 403, { reason: 'forbidden', title: 'Forbidden', message });
      expect(await snapshot()).toEqual(before);
    });
  }

  test('cannot activate a pending authenticator started by the login', async () => {
    const started = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/authenticators/totp',
      headers: bearer(session),
      payload: {},
    });
    const { id, secret: pendingSecret } = started.json();
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/me/authenticators/${id}/activate`,
      headers: bearer(pat.token),
      payload: { code: t.codeFor(pendingSecret) },
    });
    expectEnvelope(response, 403, { reason: 'forbidden' });
    expect(await t.core.authenticators.list((await t.store.users.findByLogin('alice'))!)).toHaveLength(1);
  });

  test('the same calls work with the login token (the refusal is about the token kind)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: bearer(session),
      payload: { name: 'more' },
    });
    expect(response.statusCode).toBe(201);
  });

  test('may revoke itself, but not another token', async () => {
    const other = await personalToken(t, session, 'other script');
    const refused = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/api-tokens/${other.id}`,
      headers: bearer(pat.token),
    });
    expectEnvelope(refused, 403, { reason: 'forbidden', message: /cannot revoke other API tokens/ });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(other.token) })).statusCode,
    ).toBe(200);

    const self = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/api-tokens/${pat.id}`,
      headers: bearer(pat.token),
    });
    expect(self.statusCode).toBe(204);
    expectEnvelope(
      await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(pat.token) }),
      401,
      {
        reason: 'unauthenticated',
      },
    );
  });

  test('may read: profile, authenticators and token list', async () => {
    for (const url of ['/api/v1/me', '/api/v1/me/authenticators', '/api/v1/me/api-tokens']) {
      expect((await t.app.inject({ method: 'GET', url, headers: bearer(pat.token) })).statusCode).toBe(200);
    }
  });
});

/** Everything a forbidden call could have changed. */
async function snapshot() {
  const db = t.store.db;
  return {
    tokens: await db.selectFrom('api_tokens').select(['id', 'revoked_at']).orderBy('id').execute(),
    authenticators: await db.selectFrom('authenticators').select(['id', 'status']).orderBy('id').execute(),
    password: (await db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()).password_hash,
    sessions: await db
      .selectFrom('sessions')
      .select(['id_hash', 'second_factor_at'])
      .orderBy('id_hash')
      .execute(),
  };
}
