import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/test-app.js';

export const PASSWORD = 'correct horse battery';

/** Seed 001's body for a missing or wrong code, exactly. */
export const ADDITIONAL_STEPS_BODY = {
  error: {
    message: 'Additional authentications steps required.',
    code: 401,
    identity: null,
    title: 'Unauthorized',
  },
} as const;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A six-digit code that no step in the ±1 window accepts, so it is wrong whatever the secret. */
export function wrongCodeFor(t: TestApp, secret: string): string {
  const window = new Set([-1, 0, 1].map((offset) => t.codeFor(secret, offset)));
  let code = Number(t.codeFor(secret));
  do code = (code + 1) % 1_000_000;
  while (window.has(String(code).padStart(6, '0')));
  return String(code).padStart(6, '0');
}

/** POST /api/v1/login through inject. */
export function postLogin(t: TestApp, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/api/v1/login', payload: body });
}

/** Logs in over the API (with the current code when a secret is given) and returns the token. */
export async function loginToken(t: TestApp, username: string, secret?: string): Promise<string> {
  const response = await postLogin(t, {
    username,
    password: PASSWORD,
    ...(secret ? { otp: t.codeFor(secret) } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ token: string }>().token;
}

/** Creates a personal API token with a fresh login token and returns it. */
export async function personalToken(
  t: TestApp,
  loginTokenValue: string,
  name = 'script',
): Promise<{ id: string; token: string }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/me/api-tokens',
    headers: bearer(loginTokenValue),
    payload: { name },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; token: string }>();
}

/**
 * Asserts the error envelope: the status, `code` equal to it, `identity` null, the reason
 * phrase as `title`, and (when given) the message and reason.
 */
export function expectEnvelope(
  response: { statusCode: number; body: string; headers: Record<string, unknown> },
  status: number,
  expected: { message?: string | RegExp; reason?: string; title?: string } = {},
): { message: string; code: number; identity: null; title: string; reason?: string; field?: string } {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as {
    error: { message: string; code: number; identity: null; title: string; reason?: string; field?: string };
  };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(status);
  expect(body.error.identity).toBeNull();
  expect(typeof body.error.message).toBe('string');
  if (expected.title) expect(body.error.title).toBe(expected.title);
  if (typeof expected.message === 'string') expect(body.error.message).toBe(expected.message);
  if (expected.message instanceof RegExp) expect(body.error.message).toMatch(expected.message);
  if (expected.reason) expect(body.error.reason).toBe(expected.reason);
  return body.error;
}

/** Field-by-field equality with seed 001's body: same keys, same values, nothing more. */
export function expectAdditionalStepsBody(response: { statusCode: number; body: string }): void {
  expect(response.statusCode).toBe(401);
  const body = JSON.parse(response.body) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'identity', 'message', 'title']);
  expect(body.error.message).toBe(ADDITIONAL_STEPS_BODY.error.message);
  expect(body.error.code).toBe(401);
  expect(body.error.identity).toBeNull();
  expect(body.error.title).toBe('Unauthorized');
  expect(body).toEqual(ADDITIONAL_STEPS_BODY);
}
