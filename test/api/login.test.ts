import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SESSION_LIFETIME_MS } from '../../src/core/index.js';
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

const countSessions = async () =>
  Number(
    (
      await t.store.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('POST /api/v1/login without a second factor', () => {
  test('the right password answers 200 with a bearer token that works', async () => {
    const user = await t.createUser('alice');
    const response = await postLogin(t, { username: 'alice', password: PASSWORD });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token', 'tokenType', 'user']);
    expect(body.tokenType).toBe('Bearer');
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expiresAt).toBe(new Date(t.clock.now() + SESSION_LIFETIME_MS).toISOString());
    expect(body.user).toEqual({ id: user.id, username: 'alice' });

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(body.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json().username).toBe('alice');
  });

  test('the e-mail address works as the user name', async () => {
    await t.createUser('alice');
    const response = await postLogin(t, { username: 'Alice@Example.test', password: PASSWORD });
    expect(response.statusCode).toBe(200);
  });
});

describe('POST /api/v1/login with a second factor active (seed 001)', () => {
  test('the code appended to the password logs in', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const response = await postLogin(t, { username: 'alice', password: `${PASSWORD}${t.codeFor(secret)}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().tokenType).toBe('Bearer');
  });

  test('the code in "otp" logs in', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const response = await postLogin(t, { username: 'alice', password: PASSWORD, otp: t.codeFor(secret) });
    expect(response.statusCode, response.body).toBe(200);
  });

  test('the right password without a code answers seed 001’s 401 body exactly, and opens no session', async () => {
    const user = await t.createUser('alice');
    await t.enrollTotp(user);
    const before = await countSessions();
    const response = await postLogin(t, { username: 'alice', password: PASSWORD });
    expectAdditionalStepsBody(response);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(await countSessions()).toBe(before);
  });

  test('a wrong code in "otp" answers the same body', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const wrong = wrongCodeFor(t, secret);
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD, otp: wrong }));
  });

  test('a wrong code appended to the password answers the same body', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const wrong = wrongCodeFor(t, secret);
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: `${PASSWORD}${wrong}` }));
  });

  test('a backup code in "otp" logs in, once', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const signedIn = await t.core.signIn.login({
      login: 'alice',
      password: PASSWORD,
      otp: t.codeFor(secret),
      kind: 'api',
    });
    if (signedIn.outcome !== 'signed_in') throw new Error('expected a login');
    const session = await t.core.sessions.resolve(signedIn.session.token);
    const [backupCode] = await t.core.backupCodes.generate(session!);

    const first = await postLogin(t, { username: 'alice', password: PASSWORD, otp: backupCode });
    expect(first.statusCode, first.body).toBe(200);
    expectAdditionalStepsBody(await postLogin(t, { username: 'alice', password: PASSWORD, otp: backupCode }));
  });

  test('a code from a device that is still pending does not count', async () => {
    const user = await t.createUser('alice');
    await t.enrollTotp(user);
    const pending = await t.core.totp.start(user);
    expectAdditionalStepsBody(
      await postLogin(t, { username: 'alice', password: PASSWORD, otp: t.codeFor(pending.secret) }),
    );
  });
});

describe('POST /api/v1/login refusals', () => {
  test('a wrong password and an unknown user get the same 401 body', async () => {
    await t.createUser('alice');
    const wrongPassword = await postLogin(t, { username: 'alice', password: 'not the password' });
    const unknownUser = await postLogin(t, { username: 'nobody', password: PASSWORD });
    const error = expectEnvelope(wrongPassword, 401, {
      message: 'Invalid username or password.',
      reason: 'invalid_credentials',
      title: 'Unauthorized',
    });
    expect(error).toEqual({
      message: 'Invalid username or password.',
      code: 401,
      identity: null,
      title: 'Unauthorized',
      reason: 'invalid_credentials',
    });
    expect(unknownUser.statusCode).toBe(401);
    expect(unknownUser.body).toBe(wrongPassword.body);
  });

  test('a wrong password with a right code is a wrong password, not a missing factor', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const response = await postLogin(t, {
      username: 'alice',
      password: 'wrong password',
      otp: t.codeFor(secret),
    });
    expectEnvelope(response, 401, {
      message: 'Invalid username or password.',
      reason: 'invalid_credentials',
    });
  });

  test('repeated wrong passwords are throttled with 429 and Retry-After', async () => {
    await t.createUser('alice');
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof postLogin>> | undefined;
    for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
      const response = await postLogin(t, { username: 'alice', password: 'not the password' });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) throttled = response;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(throttled).toBeDefined();
    const error = expectEnvelope(throttled!, 429, { reason: 'throttled', title: 'Too Many Requests' });
    expect(error.message).toMatch(/Try again in/);
    expect(Number(throttled!.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password waits: the throttle is checked before the password.
    expect((await postLogin(t, { username: 'alice', password: PASSWORD })).statusCode).toBe(429);
  });

  test('repeated wrong codes are throttled with 429 and Retry-After', async () => {
    const user = await t.createUser('alice');
    const { secret } = await t.enrollTotp(user);
    const wrong = wrongCodeFor(t, secret);
    let last = await postLogin(t, { username: 'alice', password: PASSWORD, otp: wrong });
    for (let attempt = 0; attempt < 10 && last.statusCode === 401; attempt++) {
      last = await postLogin(t, { username: 'alice', password: PASSWORD, otp: wrong });
    }
    expectEnvelope(last, 429, { reason: 'throttled' });
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('a missing field is a 400 that names it', async () => {
    const response = await postLogin(t, { username: 'alice' });
    const error = expectEnvelope(response, 400, { reason: 'invalid_input', title: 'Bad Request' });
    expect(error.message).toContain('"password"');
  });

  test('a field of the wrong type is a 400 that names it', async () => {
    const response = await postLogin(t, { username: { $ne: null }, password: PASSWORD });
    const error = expectEnvelope(response, 400, { reason: 'invalid_input' });
    expect(error.message).toContain('username');
  });
});

describe('POST /api/v1/logout', () => {
  test('ends the login token', async () => {
    await t.createUser('alice');
    const token = await loginToken(t, 'alice');
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/logout', headers: bearer(token) });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expectEnvelope(me, 401, { reason: 'unauthenticated' });
  });

  test('without a token is 401', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/logout' });
    expectEnvelope(response, 401, { reason: 'unauthenticated' });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="twofold"');
  });
});
