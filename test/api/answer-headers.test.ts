/**
 * Threat: a cached token, a sniffed content type, a framed page. The JSON API's answers carry
 * `no-store` and `nosniff` whatever the outcome; everything else carries helmet's full set,
 * not-found and error answers included; the browsable API reference keeps the strict CSP but
 * for the one inline style it needs; HSTS goes out only where the server is reached over https.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, PASSWORD, postLogin } from './api-helpers.js';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

function expectApiHeaders(response: LightMyRequestResponse): void {
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['content-security-policy']).toBeUndefined();
  expect(response.headers['x-frame-options']).toBeUndefined();
}

function expectHelmetHeaders(response: LightMyRequestResponse): void {
  const csp = String(response.headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
}

describe('the JSON API', () => {
  test('answers a login, a verification and its failures with no-store and nosniff, not the page headers', async () => {
    t = await createTestApp();
    const user = await t.createUser('alice', PASSWORD, { otpRequired: true });
    const { secret } = await t.enrollTotp(user);
    const login = await postLogin(t, { username: 'alice', password: PASSWORD, otp: t.codeFor(secret) });
    expect(login.statusCode).toBe(200);
    expectApiHeaders(login);
    const { token } = login.json<{ token: string }>();
    t.clock.advance(30_000);
    const answers = [
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/me/verify',
        headers: bearer(token),
        payload: { otp: t.codeFor(secret) },
      }),
      await t.app.inject({ method: 'POST', url: '/api/v1/me/verify', payload: { otp: '123456' } }),
      await t.app.inject({ method: 'POST', url: '/api/v1/me/verify', headers: bearer(token), payload: {} }),
      await postLogin(t, { username: 'alice', password: 'wrong password' }),
    ];
    expect(answers.map((response) => response.statusCode)).toEqual([200, 401, 400, 401]);
    for (const response of answers) expectApiHeaders(response);
  });
});

describe('everything else', () => {
  test('the health check and an unknown API path get helmet’s headers, without HSTS over http', async () => {
    t = await createTestApp();
    for (const url of ['/healthz', '/api/v1/no-such-thing']) {
      const response = await t.app.inject({ method: 'GET', url });
      expectHelmetHeaders(response);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  test('over https every page says so for a year (HSTS)', async () => {
    t = await createTestApp({ publicUrl: 'https://mfa.example.test' });
    const response = await t.app.inject({ method: 'GET', url: '/login' });
    expectHelmetHeaders(response);
    expect(response.headers['strict-transport-security']).toMatch(/^max-age=31536000; includeSubDomains$/);
  });

  test('the API reference keeps the strict CSP, with the one inline style Swagger UI needs', async () => {
    t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(response.statusCode).toBe(200);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });
});
