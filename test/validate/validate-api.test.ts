/**
 * POST /api/v1/validate over real HTTP, called by curl: an application checks a person's code
 * (and password). The service's policy decides whether a code is needed, and a guess here counts
 * on the login page's throttle: the API must not be a side door for guessing or replaying codes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MfaPolicy } from '../../src/core/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const execFileAsync = promisify(execFile);

describe('the validate API, through curl', () => {
  let t: TestApp;
  let base: string;
  let alice: UserRow;
  let secret: string;
  const apps: Record<string, { clientId: string; secret: string }> = {};

  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    alice = await t.createUser('alice');
    ({ secret } = await t.enrollTotp(alice));
    for (const policy of ['required', 'user_choice', 'not_required'] as MfaPolicy[]) {
      const created = await t.core.services.register(
        { name: `Tool ${policy}`, kind: 'application', mfaPolicy: policy },
        'cli',
      );
      apps[policy] = { clientId: created.service.clientId, secret: created.clientSecret! };
    }
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    // A fresh 30-second step for each test: codes accepted by one are not replays in the next.
    t.clock.advance(90_000);
  });

  /** curl, as an operator would script it; returns the status and the parsed body. */
  async function curl(body: object, credentials?: string) {
    const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${base}/api/v1/validate`];
    args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
    if (credentials !== undefined) args.push('-u', credentials);
    const { stdout } = await execFileAsync('curl', args);
    const newline = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(newline + 1)), body: JSON.parse(stdout.slice(0, newline)) };
  }
  const as = (policy: MfaPolicy) => `${apps[policy]!.clientId}:${apps[policy]!.secret}`;

  it('a code alone, and the password with the code appended, are accepted and say who signed in', async () => {
    const alone = await curl({ user: 'alice', code: t.codeFor(secret) }, as('required'));
    expect(alone).toEqual({
      status: 200,
      body: {
        ok: true,
        user: { id: alice.id, username: 'alice', email: 'alice@example.test', name: expect.any(String) },
        amr: ['otp'],
        acr: 'urn:twofold:acr:password',
      },
    });
    t.clock.advance(30_000);
    const appended = await curl(
      { user: 'alice@example.test', password: `correct horse battery${t.codeFor(secret)}` },
      as('required'),
    );
    expect(appended.body).toMatchObject({ ok: true, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:twofold:acr:mfa' });
    const events = await t.store.audit.list({ type: 'service.signed_in' });
    expect(JSON.parse(events[0]!.detail)).toMatchObject({ service: 'Tool required', amr: 'pwd otp mfa' });
  });

  it('the password alone: a required service asks for the code, a not-required one accepts it', async () => {
    const required = await curl({ user: 'alice', password: 'correct horse battery' }, as('required'));
    expect(required.body).toMatchObject({ ok: false, reason: 'code_required' });
    const open = await curl({ user: 'alice', password: 'correct horse battery' }, as('not_required'));
    expect(open.body).toMatchObject({ ok: true, amr: ['pwd'] });
    const wrong = await curl({ user: 'alice', password: 'not the password' }, as('not_required'));
    expect(wrong.body).toEqual({
      ok: false,
      reason: 'invalid_credentials',
      message: 'Invalid username or password.',
    });
  });

  it('a code accepted here is refused here and at the API login after', async () => {
    const code = t.codeFor(secret);
    expect((await curl({ user: 'alice', code }, as('user_choice'))).body).toMatchObject({ ok: true });
    expect((await curl({ user: 'alice', code }, as('user_choice'))).body).toMatchObject({
      ok: false,
      reason: 'invalid_code',
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'alice', password: 'correct horse battery', otp: code },
    });
    expect(login.statusCode).toBe(401);
  });

  it('wrong codes here throttle the login page too, with Retry-After', async () => {
    const bob = await t.createUser('bob');
    const bobSecret = (await t.enrollTotp(bob)).secret;
    for (let i = 0; i < 5; i += 1) {
      expect((await curl({ user: 'bob', code: '000000' }, as('required'))).body.reason).toBe('invalid_code');
    }
    const throttled = await curl({ user: 'bob', code: t.codeFor(bobSecret) }, as('required'));
    expect(throttled.body).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 30 });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'bob', password: 'correct horse battery', otp: t.codeFor(bobSecret) },
    });
    expect(login.statusCode).toBe(429);
  });

  it('refuses a caller that is not an application, and bad input, with what to fix', async () => {
    const none = await curl({ user: 'alice', code: '123456' });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain('HTTP Basic');
    const wrongSecret = await curl(
      { user: 'alice', code: '123456' },
      `${apps.required!.clientId}:tf_cs_wrong`,
    );
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error.message).toContain('Unknown application or wrong secret');
    const oidc = await t.core.services.register(
      { name: 'Wiki', redirectUris: ['https://wiki.example/cb'] },
      'cli',
    );
    const asOidc = await curl({ user: 'alice', code: '123456' }, `wiki:${oidc.clientSecret}`);
    expect(asOidc.status).toBe(401);

    const nothing = await curl({ user: 'alice' }, as('required'));
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.message).toBe('Give a one-time code, a password, or both.');
    const extra = await curl({ user: 'alice', code: '1', otp: '2' }, as('required'));
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toContain('otp');
  });

  it('is described in the OpenAPI document with its reasons and Basic authentication', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const operation = document.paths['/api/v1/validate'].post;
    expect(operation.security).toEqual([{ basicAuth: [] }]);
    const reason = operation.responses['200'].content['application/json'].schema.properties.reason;
    expect(JSON.stringify(reason)).toContain('code_required');
    expect(document.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
  });
});
