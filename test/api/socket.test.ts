import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { ADDITIONAL_STEPS_BODY, PASSWORD } from './api-helpers.js';

/** The API over a real TCP socket, as a script would call it, with Node's own fetch. */
let t: TestApp;
let base: string;
let secret: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ secret } = await t.enrollTotp(await t.createUser('alice')));
  await t.createUser('bob');
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('a missing code answers seed 001’s 401 body, field by field', async () => {
  const response = await post('/api/v1/login', { username: 'alice', password: PASSWORD });
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const text = await response.text();
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'identity', 'message', 'title']);
  expect(body.error.message).toBe('Additional authentications steps required.');
  expect(body.error.code).toBe(401);
  expect(body.error.identity).toBeNull();
  expect(body.error.title).toBe('Unauthorized');
  expect(body).toEqual(ADDITIONAL_STEPS_BODY);
});

test('log in with the code appended, call /me with the token, log out', async () => {
  const login = await post('/api/v1/login', {
    username: 'alice',
    password: `${PASSWORD}${t.codeFor(secret)}`,
  });
  expect(login.status).toBe(200);
  const { token, tokenType } = (await login.json()) as { token: string; tokenType: string };
  expect(tokenType).toBe('Bearer');

  const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(me.status).toBe(200);
  expect(((await me.json()) as { username: string }).username).toBe('alice');

  const logout = await fetch(`${base}/api/v1/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(logout.status).toBe(204);
  const after = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(after.status).toBe(401);
  expect(after.headers.get('www-authenticate')).toBe('Bearer realm="twofold"');
});

test('a wrong password answers the envelope', async () => {
  const response = await post('/api/v1/login', { username: 'bob', password: 'wrong' });
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({
    error: {
      message: 'Invalid username or password.',
      code: 401,
      identity: null,
      title: 'Unauthorized',
      reason: 'invalid_credentials',
    },
  });
});

test('malformed JSON answers a 400 envelope', async () => {
  const response = await post('/api/v1/login', '{"username": "alice", ');
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { code: number; identity: null; title: string } };
  expect(body.error).toMatchObject({ code: 400, identity: null, title: 'Bad Request' });
});

test('an oversized body answers a 413 envelope', async () => {
  const response = await post('/api/v1/login', { username: 'alice', password: 'x'.repeat(200 * 1024) });
  expect(response.status).toBe(413);
  const body = (await response.json()) as { error: { code: number; message: string } };
  expect(body.error).toMatchObject({ code: 413, message: 'The request body is too large.' });
});

test('the OpenAPI document is served', async () => {
  const response = await fetch(`${base}/api/openapi.json`);
  expect(response.status).toBe(200);
  expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0');
});

test('throttled logins answer 429 with Retry-After', async () => {
  let response = await post('/api/v1/login', { username: 'bob', password: 'wrong' });
  for (let attempt = 0; attempt < 10 && response.status === 401; attempt++) {
    response = await post('/api/v1/login', { username: 'bob', password: 'wrong' });
  }
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await response.json()) as { error: { code: number } }).error.code).toBe(429);
});
