import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { API_TOKEN_PREFIX, RECENT_AUTHENTICATION_MS } from '../../src/core/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, expectEnvelope, loginToken, personalToken } from './api-helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const DAY_MS = 24 * 60 * 60_000;
const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
const create = (token: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/me/api-tokens', headers: bearer(token), payload });

describe('POST /api/v1/me/api-tokens', () => {
  test('201 with the token shown once; only its hash is stored', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const session = await loginToken(t, 'alice', secret);
    const response = await create(session, { name: 'nightly backup', expiresInDays: 30 });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json();
    expect(Object.keys(created).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'name',
      'token',
    ]);
    expect(created.token.startsWith(API_TOKEN_PREFIX)).toBe(true);
    expect(created.token).toMatch(/^tf_pat_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      name: 'nightly backup',
      createdAt: new Date(t.clock.now()).toISOString(),
      expiresAt: new Date(t.clock.now() + 30 * DAY_MS).toISOString(),
      lastUsedAt: null,
    });

    const rows = await t.store.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(API_TOKEN_PREFIX.length));

    const events = await t.store.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', '=', 'api_token.created')
      .execute();
    expect(events).toHaveLength(1);
  });

  test('expires in 90 days when not told', async () => {
    await t.createUser('alice');
    const created = (await create(await loginToken(t, 'alice'), { name: 'ci' })).json();
    expect(created.expiresAt).toBe(new Date(t.clock.now() + 90 * DAY_MS).toISOString());
  });

  test('a missing name and an out-of-range lifetime are 400s naming the field', async () => {
    await t.createUser('alice');
    const session = await loginToken(t, 'alice');
    expect(expectEnvelope(await create(session, {}), 400, { reason: 'invalid_input' }).message).toContain(
      '"name"',
    );
    for (const expiresInDays of [0, 3651, 1.5, 'soon']) {
      const error = expectEnvelope(await create(session, { name: 'ci', expiresInDays }), 400, {
        reason: 'invalid_input',
      });
      expect(error.message).toContain('expiresInDays');
    }
    expect(
      expectEnvelope(await create(session, { name: '   ' }), 400, { reason: 'invalid_input' }).field,
    ).toBe('name');
  });

  test('is sensitive: more than 5 minutes after the login it is 401 step_up_required', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const session = await loginToken(t, 'alice', secret);
    t.clock.advance(RECENT_AUTHENTICATION_MS + 1_000);
    expectEnvelope(await create(session, { name: 'ci' }), 401, { reason: 'step_up_required' });
    expect(await t.store.db.selectFrom('api_tokens').selectAll().execute()).toEqual([]);
  });

  test('a user required to use MFA must set up a factor first', async () => {
    await t.createUser('alice', undefined, { otpRequired: true });
    const response = await create(await loginToken(t, 'alice'), { name: 'ci' });
    expectEnvelope(response, 401, {
      reason: 'enrollment_required',
      message: /set up an authenticator first/,
    });
    expect(await t.store.db.selectFrom('api_tokens').selectAll().execute()).toEqual([]);
  });

  test('MFA required after the login, with no factor yet: refused by the use case itself', async () => {
    const user = await t.createUser('alice');
    const session = await loginToken(t, 'alice');
    await t.store.users.update(user.id, { otp_required: 1 });
    const response = await create(session, { name: 'ci' });
    expectEnvelope(response, 401, { reason: 'enrollment_required', message: /before creating API tokens/ });
  });
});

describe('using a personal API token', () => {
  test('authenticates API calls without a code, even with MFA on, and records the last use', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const { token } = await personalToken(t, await loginToken(t, 'alice', secret));
    t.clock.advance(DAY_MS);
    const response = await me(token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ username: 'alice', authenticatedWith: 'api_token' });

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/me/api-tokens', headers: bearer(token) });
    expect(list.json().apiTokens[0].lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
  });

  test('GET lists name, created, last used and expiry, never the token', async () => {
    await t.createUser('alice');
    const session = await loginToken(t, 'alice');
    const first = await personalToken(t, session, 'first');
    await personalToken(t, session, 'second');
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/api-tokens',
      headers: bearer(session),
    });
    expect(response.statusCode).toBe(200);
    const { apiTokens } = response.json();
    expect(apiTokens.map((token: { name: string }) => token.name)).toEqual(['first', 'second']);
    for (const listed of apiTokens) {
      expect(Object.keys(listed).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name']);
    }
    expect(response.body).not.toContain(first.token);
    expect(response.body).not.toContain(API_TOKEN_PREFIX);
  });

  test('a revoked token is refused, and it leaves the list', async () => {
    await t.createUser('alice');
    const session = await loginToken(t, 'alice');
    const { id, token } = await personalToken(t, session);
    expect((await me(token)).statusCode).toBe(200);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/api-tokens/${id}`,
      headers: bearer(session),
    });
    expect(revoke.statusCode, revoke.body).toBe(204);
    expectEnvelope(await me(token), 401, {
      reason: 'unauthenticated',
      message: /unknown, revoked or expired/,
    });
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/api-tokens',
      headers: bearer(session),
    });
    expect(list.json()).toEqual({ apiTokens: [] });
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/api-tokens/${id}`,
      headers: bearer(session),
    });
    expectEnvelope(again, 404, { reason: 'not_found' });
  });

  test('an expired token is refused', async () => {
    await t.createUser('alice');
    const session = await loginToken(t, 'alice');
    const created = (await create(session, { name: 'short', expiresInDays: 1 })).json();
    t.clock.advance(DAY_MS - 1_000);
    expect((await me(created.token)).statusCode).toBe(200);
    t.clock.advance(1_000);
    expectEnvelope(await me(created.token), 401, { reason: 'unauthenticated' });
  });

  test('a token of a disabled user is refused', async () => {
    const user = await t.createUser('alice');
    const { token } = await personalToken(t, await loginToken(t, 'alice'));
    await t.store.users.update(user.id, { disabled: 1 });
    expectEnvelope(await me(token), 401, { reason: 'unauthenticated' });
  });

  test('a token with one character changed is refused', async () => {
    await t.createUser('alice');
    const { token } = await personalToken(t, await loginToken(t, 'alice'));
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expectEnvelope(await me(`${token.slice(0, -1)}${last}`), 401, { reason: 'unauthenticated' });
  });

  test('POST /logout with a personal token revokes it', async () => {
    await t.createUser('alice');
    const { token } = await personalToken(t, await loginToken(t, 'alice'));
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/logout', headers: bearer(token) })).statusCode,
    ).toBe(204);
    expectEnvelope(await me(token), 401, { reason: 'unauthenticated' });
  });

  test('the core service lists what the account page shows', async () => {
    const user = await t.createUser('alice');
    await personalToken(t, await loginToken(t, 'alice'), 'from the api');
    expect((await t.core.apiTokens.list(user)).map((token) => token.name)).toEqual(['from the api']);
  });
});
