/**
 * A name typed at login that matches no account becomes a throttle key, so that guessing at it
 * is slowed like guessing at a real one. PostgreSQL caps an index entry at 2704 bytes, so a
 * login form sent with a name of a few thousand characters answered 500 there, to anyone. No
 * user name or e-mail address is longer than 320 characters: core refuses a longer one before
 * it looks anything up, and the login form answers as the API does, 400 naming the problem.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TwofoldError } from '../../src/core/index.js';
import { expectEnvelope } from '../api/api-helpers.js';
import { formHtml, PageClient, text } from '../helpers/page-client.js';
import { createTestApp, ENGINES, type TestApp } from '../helpers/test-app.js';

/** Random, so PostgreSQL cannot compress it under its index limit as it would "aaa…". */
const randomName = (length: number) => randomBytes(length).toString('base64url').slice(0, length);
const TOO_LONG = 'The user name or e-mail address is too long: use at most 320 characters.';

describe.each(ENGINES)('a very long name at login, on %s', (engine) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ engine });
  });
  afterEach(async () => {
    await t.close();
  });

  test('the login form answers 400 with the form and the reason, and counts nothing', async () => {
    for (const length of [3000, 321]) {
      const name = randomName(length);
      const response = await new PageClient(t.app).login(name, 'any password');
      expect(response.status, String(length)).toBe(400);
      expect(text(response.html)).toContain(TOO_LONG);
      expect(formHtml(response.html, '/login')).toMatch(/name="username"/);
      expect(await t.store.throttles.find(`password:login:${name.toLowerCase()}`)).toBeUndefined();
    }
    // 320 is still a name, answered as any unknown one.
    const longest = await new PageClient(t.app).login('a'.repeat(320), 'any password');
    expect(longest.status).toBe(401);
    expect(text(longest.html)).toContain('Invalid username or password.');
  });

  test('the form caps the field where the browser can', async () => {
    const page = await new PageClient(t.app).get('/login');
    expect(formHtml(page.html, '/login')).toMatch(/<input[^>]*name="username"[^>]*maxlength="320"/);
  });

  test('the API answers 400 as before, and core refuses it for every caller', async () => {
    const api = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: randomName(3000), password: 'any password' },
    });
    expectEnvelope(api, 400, {
      message: 'Invalid request: body field "username" must NOT have more than 320 characters.',
    });
    const refusal = await t.core.signIn
      .login({ login: randomName(3000), password: 'any password', kind: 'api', ip: '192.0.2.1' })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TwofoldError);
    expect(refusal).toMatchObject({ code: 'invalid_input', field: 'username', message: TOO_LONG });
  });
});
