/**
 * The administration API (issue 7) through real HTTP injection: users listed, added with a
 * password-setup e-mail that arrives at a real SMTP server, edited ("OTP Configured" off and on
 * again removes the devices), reset, unlocked, disabled, removed, and the audit log — with who
 * did each thing, and never a secret in any answer.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { firstLink } from '../helpers/smtp.js';
import { type AdminFixture, adminToken, createAdminFixture, PASSWORD } from './admin-helpers.js';

let f: AdminFixture;
let token: string;
beforeEach(async () => {
  f = await createAdminFixture();
  token = await adminToken(f);
});
afterEach(async () => {
  await f.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  f.t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

describe('users', () => {
  test('"Add User" with OTP Configured: created without a password, and the setup e-mail arrives', async () => {
    const created = await call('POST', '/api/v1/admin/users', {
      username: 'nina',
      email: 'Nina@Example.test',
      firstName: 'Nina',
      lastName: 'Berg',
      otpRequired: true,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      username: 'nina',
      email: 'nina@example.test',
      firstName: 'Nina',
      otpRequired: true,
      mfaRequired: true,
      mfaActive: false,
      hasPassword: false,
      authenticators: [],
      backupCodes: { total: 0, remaining: 0, createdAt: null },
      setupEmailSent: true,
    });
    // The link is a credential: e-mailed, never returned to the administrator.
    expect(created.body).not.toMatch(/setup\//);
    const mail = await f.smtp.waitFor((m) => m.to.includes('nina@example.test'));
    expect(mail.subject).toBe('Twofold: set up your account');
    expect(firstLink(mail.text)).toMatch(/^http:\/\/localhost:8080\/setup\/[\w-]{43}$/);

    const duplicate = await call('POST', '/api/v1/admin/users', {
      username: 'NINA',
      email: 'x@example.test',
    });
    expect(duplicate.statusCode).toBe(409);
    const invalid = await call('POST', '/api/v1/admin/users', {
      username: 'bad name!',
      email: 'x@example.test',
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.message).toMatch(/user name/i);
  });

  test('lists, searches and pages users', async () => {
    for (const name of ['anna', 'bert', 'carl', 'dora', 'emil']) await f.t.createUser(name);
    const all = await call('GET', '/api/v1/admin/users?perPage=2&page=2');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 6, page: 2, perPage: 2 });
    expect(all.json().users.map((u: { username: string }) => u.username)).toEqual(['carl', 'dora']);
    const found = await call('GET', '/api/v1/admin/users?search=DOR');
    expect(found.json().users.map((u: { username: string }) => u.username)).toEqual(['dora']);
    expect(found.json().users[0]).toMatchObject({ mfaActive: false, isAdmin: false });
    expect((await call('GET', '/api/v1/admin/users?perPage=0')).statusCode).toBe(400);
  });

  test('the profile shows devices, backup codes and lock state, but no secret', async () => {
    const user = await f.t.createUser('olga');
    const { secret } = await f.t.enrollTotp(user, 'Olga phone');
    const profile = await call('GET', '/api/v1/admin/users/olga');
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({
      username: 'olga',
      mfaActive: true,
      authenticators: [{ kind: 'totp', name: 'Olga phone', status: 'active' }],
      secondFactor: { failures: 0, locked: false, blockedUntil: null },
    });
    expect(profile.body).not.toContain(secret);
    expect(profile.body).not.toMatch(/sealed|password_hash|\$argon2/);
    expect((await call('GET', '/api/v1/admin/users/nobody')).statusCode).toBe(404);
  });

  test('a misspelled field is a 400 that names it, and nothing of the request is applied', async () => {
    const user = await f.t.createUser('pia');
    const typo = await call('PATCH', `/api/v1/admin/users/${user.id}`, { firstName: 'Pia', isAdmn: true });
    expect(typo.statusCode, typo.body).toBe(400);
    expect(typo.json().error).toMatchObject({
      reason: 'invalid_input',
      message: 'Invalid request: body has a field this call does not take: "isAdmn". Check its spelling.',
    });
    const after = await call('GET', `/api/v1/admin/users/${user.id}`);
    expect(after.json()).toMatchObject({ firstName: '', isAdmin: false });

    const created = await call('POST', '/api/v1/admin/users', {
      username: 'quinn',
      email: 'quinn@example.test',
      otpRequierd: true,
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.message).toContain('"otpRequierd"');
    expect((await call('GET', '/api/v1/admin/users?search=quinn')).json().total).toBe(0);
  });

  test('"OTP Configured" off removes the devices; on again makes the user enroll at the next login', async () => {
    const user = await f.t.createUser('olaf');
    const on = await call('PATCH', `/api/v1/admin/users/${user.id}`, { otpRequired: true });
    expect(on.json()).toMatchObject({ otpRequired: true, mfaRequired: true });
    const { secret } = await f.t.enrollTotp(user, 'Old phone');

    const off = await call('PATCH', `/api/v1/admin/users/${user.id}`, { otpRequired: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ otpRequired: false, authenticators: [], mfaActive: false });
    await f.smtp.waitFor((m) => m.to.includes('olaf@example.test') && /were reset/.test(m.subject));
    const again = await call('PATCH', `/api/v1/admin/users/${user.id}`, { otpRequired: true });
    expect(again.json()).toMatchObject({ otpRequired: true, mfaActive: false });

    // The next login may only enroll: everything else answers 401 enrollment_required.
    const login = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'olaf', password: PASSWORD, otp: f.t.codeFor(secret) },
    });
    expect(login.statusCode, login.body).toBe(200);
    const userToken = login.json<{ token: string }>().token;
    const tokens = await f.t.app.inject({
      method: 'GET',
      url: '/api/v1/me/api-tokens',
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(tokens.statusCode).toBe(401);
    expect(tokens.json().error.reason).toBe('enrollment_required');

    const events = await call('GET', `/api/v1/admin/audit?user=olaf&type=mfa.required_changed`);
    expect(events.json().events.map((e: { detail: { required: boolean } }) => e.detail.required)).toEqual([
      true,
      false,
      true,
    ]);
    expect(events.json().events.every((e: { actorId: string }) => e.actorId === f.admin.id)).toBe(true);
  });

  test('reset two-factor, unlock, disable and enable, each audited with the administrator', async () => {
    const user = await f.t.createUser('pia');
    const { secret } = await f.t.enrollTotp(user);
    for (let i = 0; i < 5; i++) {
      await f.t.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { username: 'pia', password: PASSWORD, otp: '000000' },
      });
    }
    const throttled = (await call('GET', '/api/v1/admin/users/pia')).json();
    expect(throttled.secondFactor.failures).toBe(5);
    expect(throttled.secondFactor.blockedUntil).not.toBeNull();
    const unlocked = await call('POST', `/api/v1/admin/users/${user.id}/unlock`);
    expect(unlocked.json().secondFactor).toEqual({ failures: 0, blockedUntil: null, locked: false });

    const disabled = await call('POST', `/api/v1/admin/users/${user.id}/disable`);
    expect(disabled.json().disabled).toBe(true);
    const refused = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'pia', password: PASSWORD, otp: f.t.codeFor(secret) },
    });
    expect(refused.statusCode).toBe(401);
    expect((await call('POST', `/api/v1/admin/users/${user.id}/enable`)).json().disabled).toBe(false);

    const reset = await call('POST', `/api/v1/admin/users/${user.id}/reset-mfa`);
    expect(reset.json()).toMatchObject({ authenticators: [], mfaActive: false });

    const audit = (await call('GET', `/api/v1/admin/audit?user=${user.id}`)).json().events as {
      type: string;
      actorId: string | null;
    }[];
    for (const type of ['second_factor.unlocked', 'user.updated', 'mfa.reset']) {
      expect(audit.find((e) => e.type === type)?.actorId, type).toBe(f.admin.id);
    }
  });

  test('sends a new setup e-mail whose link replaces the earlier one', async () => {
    await call('POST', '/api/v1/admin/users', { username: 'rita', email: 'rita@example.test' });
    const first = firstLink((await f.smtp.waitFor((m) => m.to.includes('rita@example.test'))).text);
    const sent = await call('POST', '/api/v1/admin/users/rita/setup-email');
    expect(sent.statusCode).toBe(204);
    const second = firstLink(
      (await f.smtp.waitFor((m) => m.to.includes('rita@example.test') && !m.text.includes(first))).text,
    );
    expect(second).not.toBe(first);
    expect((await f.t.app.inject({ method: 'GET', url: new URL(first).pathname })).statusCode).toBe(410);
    expect((await f.t.app.inject({ method: 'GET', url: new URL(second).pathname })).statusCode).toBe(200);
  });

  test('"Add User" says when the mail server refused the setup e-mail', async () => {
    f.smtp.refuseMail(true);
    const created = await call('POST', '/api/v1/admin/users', {
      username: 'vera',
      email: 'vera@example.test',
    });
    // The user exists either way; the administrator learns the e-mail must be sent again.
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ username: 'vera', hasPassword: false, setupEmailSent: false });
    f.smtp.refuseMail(false);
    expect((await call('POST', '/api/v1/admin/users/vera/setup-email')).statusCode).toBe(204);
    await f.smtp.waitFor((m) => m.to.includes('vera@example.test'));

    const document = (await f.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const add = document.paths['/api/v1/admin/users'].post;
    expect(add.responses['201'].content['application/json'].schema.properties.setupEmailSent).toMatchObject({
      type: 'boolean',
    });
    expect(add.description).toContain('`setupEmailSent`');
  });

  test('a setup e-mail the mail server refuses leaves the earlier link working', async () => {
    await call('POST', '/api/v1/admin/users', { username: 'wim', email: 'wim@example.test' });
    const first = firstLink((await f.smtp.waitFor((m) => m.to.includes('wim@example.test'))).text);
    f.smtp.refuseMail(true);
    const refused = await call('POST', '/api/v1/admin/users/wim/setup-email');
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.message).toBe(
      'The e-mail could not be sent: the mail server did not accept it. Try again later.',
    );
    expect((await f.t.app.inject({ method: 'GET', url: new URL(first).pathname })).statusCode).toBe(200);

    // Once a new e-mail does go, its link replaces the earlier one.
    f.smtp.refuseMail(false);
    expect((await call('POST', '/api/v1/admin/users/wim/setup-email')).statusCode).toBe(204);
    const second = firstLink(
      (await f.smtp.waitFor((m) => m.to.includes('wim@example.test') && !m.text.includes(first))).text,
    );
    expect((await f.t.app.inject({ method: 'GET', url: new URL(first).pathname })).statusCode).toBe(410);
    expect((await f.t.app.inject({ method: 'GET', url: new URL(second).pathname })).statusCode).toBe(200);
  });

  test('removes a user, but never the last administrator', async () => {
    const user = await f.t.createUser('sven');
    expect((await call('DELETE', `/api/v1/admin/users/${user.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/admin/users/${user.id}`)).statusCode).toBe(404);
    const last = await call('DELETE', `/api/v1/admin/users/${f.admin.id}`);
    expect(last.statusCode).toBe(409);
    expect((await call('POST', `/api/v1/admin/users/${f.admin.id}/disable`)).statusCode).toBe(409);
  });
});

describe('audit log', () => {
  test('filters by user and event type, newest first, and pages back with beforeId', async () => {
    const user = await f.t.createUser('tove');
    await call('POST', `/api/v1/admin/users/${user.id}/reset-mfa`);
    await call('POST', `/api/v1/admin/users/${user.id}/reset-mfa`);
    const resets = (await call('GET', '/api/v1/admin/audit?user=tove&type=mfa.reset')).json().events;
    expect(resets).toHaveLength(2);
    expect(resets[0].id).toBeGreaterThan(resets[1].id);
    expect(resets[0]).toMatchObject({ type: 'mfa.reset', userId: user.id, actorId: f.admin.id });
    const older = (
      await call('GET', `/api/v1/admin/audit?user=tove&type=mfa.reset&beforeId=${resets[0].id}`)
    ).json();
    expect(older.events.map((e: { id: number }) => e.id)).toEqual([resets[1].id]);
    const limited = (await call('GET', '/api/v1/admin/audit?limit=1')).json();
    expect(limited.events).toHaveLength(1);
    expect((await call('GET', '/api/v1/admin/audit?user=nobody')).statusCode).toBe(404);
  });
});

describe('sensitive changes', () => {
  test('need a second factor younger than five minutes; reading does not', async () => {
    const user = await f.t.createUser('ulla');
    f.t.clock.advance(6 * 60_000);
    expect((await call('GET', `/api/v1/admin/users/${user.id}`)).statusCode).toBe(200);
    const stale = await call('POST', `/api/v1/admin/users/${user.id}/reset-mfa`);
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.reason).toBe('step_up_required');
    const verify = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: { authorization: `Bearer ${token}` },
      payload: { otp: f.t.codeFor(f.adminSecret) },
    });
    expect(verify.statusCode, verify.body).toBe(200);
    expect((await call('POST', `/api/v1/admin/users/${user.id}/reset-mfa`)).statusCode).toBe(200);
  });
});

describe('OpenAPI', () => {
  test('describes the administration operations under their tag', async () => {
    const document = (await f.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags: string[]; security: unknown }>>;
    };
    const admin = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/admin/'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, op })),
      );
    expect(admin.map((o) => o.key).sort()).toEqual(
      [
        'get /api/v1/admin/audit',
        'get /api/v1/admin/users',
        'post /api/v1/admin/users',
        'get /api/v1/admin/users/{id}',
        'patch /api/v1/admin/users/{id}',
        'delete /api/v1/admin/users/{id}',
        'post /api/v1/admin/users/{id}/reset-mfa',
        'post /api/v1/admin/users/{id}/unlock',
        'post /api/v1/admin/users/{id}/disable',
        'post /api/v1/admin/users/{id}/enable',
        'post /api/v1/admin/users/{id}/setup-email',
        'get /api/v1/admin/services',
        'post /api/v1/admin/services',
        'get /api/v1/admin/services/{clientId}',
        'patch /api/v1/admin/services/{clientId}',
        'delete /api/v1/admin/services/{clientId}',
        'post /api/v1/admin/services/{clientId}/rotate-secret',
        'get /api/v1/admin/identity-providers',
        'post /api/v1/admin/identity-providers',
        'get /api/v1/admin/identity-providers/{provider}',
        'patch /api/v1/admin/identity-providers/{provider}',
        'delete /api/v1/admin/identity-providers/{provider}',
      ].sort(),
    );
    for (const { key, op } of admin) {
      expect(op.tags, key).toEqual(['administration']);
      expect(op.security, key).toEqual([{ bearerAuth: [] }]);
    }
  });
});
