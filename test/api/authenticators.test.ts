import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RECENT_AUTHENTICATION_MS } from '../../src/core/index.js';
import { generateTotp } from '../../src/otp/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  bearer,
  expectAdditionalStepsBody,
  expectEnvelope,
  loginToken,
  PASSWORD,
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

const startTotp = (token: string, payload?: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/me/authenticators/totp',
    headers: bearer(token),
    ...(payload ? { payload } : {}),
  });

const activate = (token: string, id: string, payload: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/me/authenticators/${id}/activate`,
    headers: bearer(token),
    payload,
  });

describe('setting up TOTP over the API', () => {
  test('start → 201 pending with secret, otpauth URI and QR code; activate → 200 active; then MFA is on', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');

    const started = await startTotp(token, { name: 'Phone' });
    expect(started.statusCode, started.body).toBe(201);
    const enrollment = started.json();
    expect(Object.keys(enrollment).sort()).toEqual([
      'expiresAt',
      'id',
      'otpauthUri',
      'qrSvg',
      'secret',
      'status',
    ]);
    expect(enrollment.status).toBe('pending');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Twofold:alice\?/);
    expect(enrollment.otpauthUri).toContain(`secret=${enrollment.secret}`);
    expect(enrollment.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    // Pending: not listed, and it logs nobody in.
    const listed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/authenticators',
      headers: bearer(token),
    });
    expect(listed.json()).toEqual({ authenticators: [] });

    const code = generateTotp({ secret: enrollment.secret, atMillis: t.clock.now() });
    const activated = await activate(token, enrollment.id, { code, name: 'Phone' });
    expect(activated.statusCode, activated.body).toBe(200);
    expect(activated.json()).toMatchObject({
      id: enrollment.id,
      kind: 'totp',
      name: 'Phone',
      status: 'active',
    });

    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/authenticators',
      headers: bearer(token),
    });
    expect(after.json().authenticators).toEqual([
      expect.objectContaining({ id: enrollment.id, status: 'active' }),
    ]);

    // Seed 001: activating TFA also activates it for the API.
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD }));
    // The activation code is used up: it cannot log in as well.
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD, otp: code }));
    t.clock.advance(30_000);
    const next = generateTotp({ secret: enrollment.secret, atMillis: t.clock.now() });
    expect((await postLogin(t, { username: 'alice', password: PASSWORD, otp: next })).statusCode).toBe(200);
  });

  test('start works without a body', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    expect((await startTotp(token)).statusCode).toBe(201);
  });

  test('a wrong activation code is 401 naming the field and leaves the device pending', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const enrollment = (await startTotp(token, {})).json();
    const right = generateTotp({ secret: enrollment.secret, atMillis: t.clock.now() });
    const wrong = wrongCodeFor(t, enrollment.secret);
    const response = await activate(token, enrollment.id, { code: wrong });
    expect(expectEnvelope(response, 401, { reason: 'invalid_code' }).field).toBe('code');
    expect((await activate(token, enrollment.id, { code: right })).statusCode).toBe(200);
  });

  test('activating an unknown or someone else’s setup is 404', async () => {
    const bob = await t.createUser('bob');
    await t.createUser('alice');
    const bobs = await t.core.totp.start(bob);
    const token = await loginToken(t, 'alice');
    const code = generateTotp({ secret: bobs.secret, atMillis: t.clock.now() });
    expectEnvelope(await activate(token, bobs.authenticatorId, { code }), 404, { reason: 'not_found' });
    expectEnvelope(await activate(token, 'no-such-id', { code }), 404, { reason: 'not_found' });
  });

  test('a setup older than 15 minutes is refused', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const enrollment = (await startTotp(token, {})).json();
    t.clock.advance(15 * 60_000 + 1_000);
    const code = generateTotp({ secret: enrollment.secret, atMillis: t.clock.now() });
    expect((await activate(token, enrollment.id, { code })).statusCode).toBe(410);
  });

  test('a name longer than 64 characters is a 400 naming the field', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const response = await startTotp(token, { name: 'x'.repeat(65) });
    expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).message).toContain('name');
  });
});

describe('DELETE /api/v1/me/authenticators/{id}', () => {
  test('removes the device: 204, and its codes stop working', async () => {
    const user = await t.createUser('alice');
    const { secret, authenticatorId } = await t.enrollTotp(user);
    const token = await loginToken(t, 'alice', secret);
    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/authenticators/${authenticatorId}`,
      headers: bearer(token),
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(response.body).toBe('');
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).json();
    expect(me.mfa.active).toBe(false);
  });

  test('an unknown device is 404', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const token = await loginToken(t, 'alice', secret);
    const response = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me/authenticators/nope',
      headers: bearer(token),
    });
    expectEnvelope(response, 404, { reason: 'not_found' });
  });
});

describe('sensitive calls need a recent proof (security rule 5 in docs/architecture.md)', () => {
  test('more than 5 minutes after the login: 401 step_up_required until a step-up, and the device stays', async () => {
    const user = await t.createUser('alice');
    const { secret, authenticatorId } = await t.enrollTotp(user);
    const token = await loginToken(t, 'alice', secret);
    t.clock.advance(RECENT_AUTHENTICATION_MS + 1_000);

    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/authenticators/${authenticatorId}`,
      headers: bearer(token),
    });
    expectEnvelope(remove, 401, {
      reason: 'step_up_required',
      title: 'Unauthorized',
      message: /POST \/api\/v1\/me\/verify/,
    });
    expectEnvelope(await startTotp(token, {}), 401, { reason: 'step_up_required' });
    expect(await t.core.authenticators.hasActiveFactor(user)).toBe(true);

    // A fresh code renews the proof for this token (issue 4: "after the last password or step-up").
    const verified = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: t.codeFor(secret, 1) },
    });
    expect(verified.statusCode).toBe(200);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/authenticators/${authenticatorId}`,
      headers: bearer(token),
    });
    expect(removed.statusCode).toBe(204);
  });

  test('with a factor added elsewhere since the login, a step-up is needed; POST /me/verify gives it', async () => {
    // Logged in on the password alone; then a device is added on the account page. The login
    // token has never proven a second factor, so sensitive calls now need one.
    const user = await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const { secret } = await t.enrollTotp(user);

    const refused = await startTotp(token, {});
    expectEnvelope(refused, 401, { reason: 'step_up_required', message: /POST \/api\/v1\/me\/verify/ });

    const verify = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: t.codeFor(secret) },
    });
    expect(verify.statusCode, verify.body).toBe(200);
    expect((await startTotp(token, {})).statusCode).toBe(201);
  });
});

describe('a user who must use MFA and has no factor yet (login in stage "enrollment")', () => {
  test('may see the profile and set up TOTP, nothing else; after activation everything works', async () => {
    await t.createUser('admin', PASSWORD, { isAdmin: true });
    const token = await loginToken(t, 'admin');

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json().mfa).toEqual({ active: false, required: true });
    for (const [method, url] of [
      ['GET', '/api/v1/me/api-tokens'],
      ['POST', '/api/v1/me/verify'],
      ['POST', '/api/v1/me/password'],
    ] as const) {
      const refused = await t.app.inject({ method, url, headers: bearer(token), payload: {} });
      expectEnvelope(refused, 401, {
        reason: 'enrollment_required',
        message: /POST \/api\/v1\/me\/authenticators\/totp/,
      });
    }

    const enrollment = (await startTotp(token, {})).json();
    const code = generateTotp({ secret: enrollment.secret, atMillis: t.clock.now() });
    expect((await activate(token, enrollment.id, { code })).statusCode).toBe(200);

    // The activation code was a fresh second factor: sensitive calls work at once.
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: bearer(token),
      payload: { name: 'ci' },
    });
    expect(created.statusCode, created.body).toBe(201);
  });
});
