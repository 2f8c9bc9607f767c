import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { createWebauthnTestApp, PASSWORD, type WebauthnTestApp } from '../helpers/webauthn-app.js';
import type { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

let t: WebauthnTestApp;
let alice: UserRow;

beforeEach(async () => {
  t = await createWebauthnTestApp();
  alice = await t.createUser('alice');
});
afterEach(async () => t.close());

const post = (url: string, token: string | undefined, payload?: unknown) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

async function apiLogin(): Promise<string> {
  const response = await post('/api/v1/login', undefined, { username: 'alice', password: PASSWORD });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().token;
}

async function registerOverApi(token: string, key: SoftwareAuthenticator, name?: string) {
  const started = await post('/api/v1/me/authenticators/webauthn/registration/options', token);
  expect(started.statusCode, started.body).toBe(200);
  const { options } = started.json<{ options: PublicKeyCredentialCreationOptionsJSON }>();
  return post('/api/v1/me/authenticators/webauthn/registration', token, {
    response: key.register(options),
    ...(name ? { name } : {}),
  });
}

describe('WebAuthn over the JSON API', () => {
  it('registers a key with a login token and lists it with the other authenticators', async () => {
    const token = await apiLogin();
    const registered = await registerOverApi(token, t.authenticator(), 'Desk key');
    expect(registered.statusCode, registered.body).toBe(201);
    expect(registered.json()).toMatchObject({
      kind: 'webauthn',
      name: 'Desk key',
      status: 'active',
      backupEligible: false,
    });
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me/authenticators',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.json().authenticators).toEqual([
      expect.objectContaining({ name: 'Desk key', kind: 'webauthn' }),
    ]);
  });

  it('refuses registration options to a login older than five minutes', async () => {
    const token = await apiLogin();
    t.clock.advance(5 * 60_000 + 1);
    const started = await post('/api/v1/me/authenticators/webauthn/registration/options', token);
    expect(started.statusCode).toBe(401);
    expect(started.json().error.reason).toBe('step_up_required');
  });

  it('refuses a malformed response with a 400 naming the field', async () => {
    const token = await apiLogin();
    await post('/api/v1/me/authenticators/webauthn/registration/options', token);
    const refused = await post('/api/v1/me/authenticators/webauthn/registration', token, {
      response: { id: 'abc', rawId: 'abc', type: 'public-key', clientExtensionResults: {}, response: {} },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/clientDataJSON/);
  });

  it('logs in with password and key as the second factor', async () => {
    const key = t.authenticator();
    expect((await registerOverApi(await apiLogin(), key)).statusCode).toBe(201);
    // The password alone is no longer enough.
    const plain = await post('/api/v1/login', undefined, { username: 'alice', password: PASSWORD });
    expect(plain.statusCode).toBe(401);

    const started = await post('/api/v1/login/webauthn/options', undefined, {
      username: 'alice',
      password: PASSWORD,
    });
    expect(started.statusCode, started.body).toBe(200);
    const { loginToken, options } = started.json<{
      loginToken: string;
      options: PublicKeyCredentialRequestOptionsJSON;
    }>();
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId]);
    // The half-done login is no bearer token.
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${loginToken}` },
    });
    expect(me.statusCode).toBe(401);

    const done = await post('/api/v1/login/webauthn', undefined, {
      loginToken,
      response: key.assert(options),
    });
    expect(done.statusCode, done.body).toBe(200);
    const { token } = done.json<{ token: string }>();
    const profile = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(profile.statusCode).toBe(200);
    expect(profile.json().mfa.active).toBe(true);
  });

  it('refuses a wrong password before any key is asked for', async () => {
    const key = t.authenticator();
    await registerOverApi(await apiLogin(), key);
    const refused = await post('/api/v1/login/webauthn/options', undefined, {
      username: 'alice',
      password: 'wrong password!',
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('Invalid username or password.');
  });

  it('steps up with a key, and refuses the same answer twice', async () => {
    const key = t.authenticator();
    await registerOverApi(await apiLogin(), key);
    const login = await post('/api/v1/login/webauthn/options', undefined, {
      username: 'alice',
      password: PASSWORD,
    });
    const { loginToken, options } = login.json();
    const token = (
      await post('/api/v1/login/webauthn', undefined, { loginToken, response: key.assert(options) })
    ).json().token as string;

    const started = await post('/api/v1/me/verify/webauthn/options', token);
    expect(started.statusCode, started.body).toBe(200);
    const response = key.assert(started.json().options);
    const verified = await post('/api/v1/me/verify/webauthn', token, { response });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ method: 'webauthn' });
    expect((await post('/api/v1/me/verify/webauthn', token, { response })).statusCode).toBe(410);
  });

  it('says when the account has no key', async () => {
    await t.enrollTotp(alice);
    const refused = await post('/api/v1/login/webauthn/options', undefined, {
      username: 'alice',
      password: PASSWORD,
    });
    expect(refused.statusCode).toBe(404);
  });
});

describe('malformed WebAuthn input', () => {
  it('answers well-shaped garbage with a 4xx, never a 500, and keeps the account as it was', async () => {
    const key = t.authenticator();
    const token = await apiLogin();
    await registerOverApi(token, key);
    const started = await post('/api/v1/me/verify/webauthn/options', token);
    const genuine = key.assert(started.json().options);
    const variants = [
      { ...genuine, response: { ...genuine.response, signature: 'AAAA' } },
      { ...genuine, response: { ...genuine.response, authenticatorData: 'AAAA' } },
      { ...genuine, response: { ...genuine.response, clientDataJSON: 'e30' } },
      { ...genuine, id: 'AAAA', rawId: 'AAAA' },
      { ...genuine, type: 'other' },
      { ...genuine, response: 'nope' },
    ];
    for (const response of variants) {
      const answer = await post('/api/v1/me/verify/webauthn', token, { response });
      expect(answer.statusCode, answer.body).toBeGreaterThanOrEqual(400);
      expect(answer.statusCode, answer.body).toBeLessThan(500);
    }
    const registration = await post('/api/v1/me/authenticators/webauthn/registration', token, {
      response: {
        id: 'AA',
        rawId: 'AA',
        type: 'public-key',
        clientExtensionResults: {},
        response: { clientDataJSON: 'e30', attestationObject: 'oA' },
      },
    });
    expect(registration.statusCode).toBeGreaterThanOrEqual(400);
    expect(registration.statusCode).toBeLessThan(500);
    expect(await t.store.authenticators.listActiveByUser(alice.id)).toHaveLength(1);
  });
});
