import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RECENT_AUTHENTICATION_MS } from '../../src/core/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  bearer,
  expectEnvelope,
  loginToken,
  PASSWORD,
  personalToken,
  postLogin,
  wrongCodeFor,
} from './api-helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('GET /api/v1/me', () => {
  test('shows the profile, the MFA state and the authenticators', async () => {
    const user = await t.createUser('alice', PASSWORD, { otpRequired: true });
    const { secret, authenticatorId } = await t.enrollTotp(user, 'Phone');
    const token = await loginToken(t, 'alice', secret);
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    const me = response.json();
    expect(me).toMatchObject({
      id: user.id,
      username: 'alice',
      email: 'alice@example.test',
      isAdmin: false,
      mfa: { active: true, required: true },
      authenticatedWith: 'login',
    });
    expect(me.authenticators).toEqual([
      expect.objectContaining({ id: authenticatorId, kind: 'totp', name: 'Phone', status: 'active' }),
    ]);
    expect(JSON.stringify(me)).not.toMatch(/password|secret/i);
  });

  test('without MFA says so', async () => {
    await t.createUser('bob');
    const token = await loginToken(t, 'bob');
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).json();
    expect(me.mfa).toEqual({ active: false, required: false });
    expect(me.authenticators).toEqual([]);
  });

  test('answers 401 for no token, a malformed header and an unknown token', async () => {
    for (const headers of [{}, { authorization: 'Basic YWxpY2U6eA==' }, bearer('x'.repeat(43))]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers });
      expectEnvelope(response, 401, { reason: 'unauthenticated', title: 'Unauthorized' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="twofold"');
    }
  });

  test('a login token expires after 12 hours', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    t.clock.advance(12 * 60 * 60_000);
    expectEnvelope(await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) }), 401, {
      reason: 'unauthenticated',
    });
  });
});

describe('POST /api/v1/me/verify (step-up)', () => {
  test('a right code answers 200 and a wrong one 401 naming the field', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const token = await loginToken(t, 'alice', secret);
    t.clock.advance(30_000);
    const wrong = wrongCodeFor(t, secret);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: wrong },
    });
    const error = expectEnvelope(refused, 401, { reason: 'invalid_code' });
    expect(error.field).toBe('otp');

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: t.codeFor(secret) },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ verifiedAt: new Date(t.clock.now()).toISOString(), method: 'totp' });
  });

  test('keeps the token: an API client cannot safely learn a new one mid-flight', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const token = await loginToken(t, 'alice', secret);
    t.clock.advance(30_000);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: t.codeFor(secret) },
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).statusCode,
    ).toBe(200);
  });

  test('a missing otp is a 400 that names it', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: {},
    });
    expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).message).toContain('"otp"');
  });
});

describe('POST /api/v1/me/password', () => {
  test('changes the password, ends other logins and keeps this one', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const other = await loginToken(t, 'alice');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(token),
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(other) })).statusCode,
    ).toBe(401);
    expect((await postLogin(t, { username: 'alice', password: PASSWORD })).statusCode).toBe(401);
    expect((await postLogin(t, { username: 'alice', password: 'a brand new passphrase' })).statusCode).toBe(
      200,
    );
  });

  test('a wrong current password is a 400 naming the field', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(token),
      payload: { currentPassword: 'not it', newPassword: 'a brand new passphrase' },
    });
    expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).field).toBe('currentPassword');
  });

  test('a too short new password is a 400 naming the field', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(token),
      payload: { currentPassword: PASSWORD, newPassword: 'short' },
    });
    expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).field).toBe('newPassword');
  });

  test('more than 5 minutes after the login answers 401 step_up_required, telling to log in again', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    t.clock.advance(RECENT_AUTHENTICATION_MS + 1_000);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(token),
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expectEnvelope(response, 401, {
      reason: 'step_up_required',
      message: /log in again \(POST \/api\/v1\/login\)/,
    });
  });

  test('a personal API token cannot change the password', async () => {
    await t.createUser('alice');
    const { token } = await personalToken(t, await loginToken(t, 'alice'));
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(token),
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expectEnvelope(response, 403, {
      reason: 'forbidden',
      message: /personal API token cannot change the password/,
    });
  });
});
