/**
 * Threat: the sessions table holds three things that are not API logins — browser sessions,
 * whose id lives in an HttpOnly cookie and whose forms are guarded by CSRF tokens, and browser
 * logins still waiting for their second factor (password proven, code not yet). If the API took
 * any live session id as a bearer token, a cookie value lifted by some other means would become a
 * CSRF-free API credential, and a password-only pending login would reach the API without ever
 * giving a code — the very bypass seed 001 rules out ("Activating TFA also activates it for the
 * API"). Only a full API login or a personal token may authenticate.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, expectEnvelope, PASSWORD } from './api-helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });

test('a browser session id is not a bearer token', async () => {
  const user = await t.createUser('alice');
  const { secret } = await t.enrollTotp(user);
  const result = await t.core.signIn.login({
    login: 'alice',
    password: PASSWORD,
    otp: t.codeFor(secret),
    kind: 'browser',
  });
  if (result.outcome !== 'signed_in') throw new Error('expected a browser login');
  expect((await t.core.sessions.resolve(result.session.token))?.row.stage).toBe('full');
  expectEnvelope(await me(result.session.token), 401, { reason: 'unauthenticated' });
});

test('a browser login waiting for its code is not a bearer token', async () => {
  const user = await t.createUser('alice');
  await t.enrollTotp(user);
  const result = await t.core.signIn.login({ login: 'alice', password: PASSWORD, kind: 'browser' });
  if (result.outcome !== 'second_factor_required' || !result.pending)
    throw new Error('expected a pending login');
  expectEnvelope(await me(result.pending.token), 401, { reason: 'unauthenticated' });
});

test('an API login token works (the refusals above are about the kind)', async () => {
  await t.createUser('alice');
  const result = await t.core.signIn.login({ login: 'alice', password: PASSWORD, kind: 'api' });
  if (result.outcome !== 'signed_in') throw new Error('expected an API login');
  expect((await me(result.session.token)).statusCode).toBe(200);
});

test('a made-up token with the personal-token prefix is refused', async () => {
  await t.createUser('alice');
  expectEnvelope(await me(`tf_pat_${'A'.repeat(43)}`), 401, { reason: 'unauthenticated' });
});
