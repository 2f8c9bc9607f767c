/**
 * PostgreSQL's text type cannot hold a NUL character (U+0000): a query that carries one fails
 * with SQLSTATE 22021. Every user name, search and id a request sends reaches a query — the
 * login looks the name up before any password is checked — so a NUL anywhere used to answer
 * 500 on PostgreSQL, to anyone, and worked on SQLite. It is refused with a 400 naming the field,
 * the same on both engines; other control characters are refused in the names and e-mail
 * addresses that are stored and shown to others.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type AdminFixture, adminToken, createAdminFixture } from '../admin/admin-helpers.js';
import { bearer, expectEnvelope, loginToken } from '../api/api-helpers.js';
import { PageClient, text } from '../helpers/page-client.js';
import { ENGINES } from '../helpers/test-app.js';

describe.each(ENGINES)('a control character in a request, on %s', (engine) => {
  let f: AdminFixture;
  let token: string;
  beforeEach(async () => {
    f = await createAdminFixture({ engine });
    token = await adminToken(f);
  });
  afterEach(async () => {
    await f.close();
  });

  const admin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    f.t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  test('a NUL in the API login is a 400 naming the field, before any login', async () => {
    for (const body of [
      { username: 'a\u0000', password: 'x' },
      { username: 'root', password: 'correct horse\u0000battery' },
    ]) {
      const response = await f.t.app.inject({ method: 'POST', url: '/api/v1/login', payload: body });
      const field = body.username === 'root' ? 'password' : 'username';
      const error = expectEnvelope(response, 400, { reason: 'invalid_input' });
      expect(error.message).toBe(`Invalid request: body field "${field}" must not contain a NUL character.`);
      expect(error.field).toBe(field);
    }
  });

  test('a NUL in the login form gets the form error page, 400, naming the field', async () => {
    const response = await new PageClient(f.t.app).login('root\u0000', 'x');
    expect(response.status).toBe(400);
    expect(text(response.html)).toContain('body field "username" must not contain a NUL character');
  });

  test('a NUL in a path or query parameter is a 400, on the API and on the pages', async () => {
    const byId = expectEnvelope(await admin('GET', '/api/v1/admin/users/%00'), 400, {
      reason: 'invalid_input',
    });
    expect(byId.message).toBe('Invalid request: params field "id" must not contain a NUL character.');
    const search = expectEnvelope(await admin('GET', '/api/v1/admin/users?search=a%00'), 400, {});
    expect(search.message).toBe('Invalid request: query field "search" must not contain a NUL character.');
    const audit = expectEnvelope(await admin('GET', '/api/v1/admin/audit?user=%00'), 400, {});
    expect(audit.field).toBe('user');

    for (const url of [
      '/admin/users/%00',
      '/admin/users?q=%00',
      '/admin/audit?user=%00',
      '/login?next=%00',
    ]) {
      const page = await new PageClient(f.t.app).get(url);
      expect(page.status, url).toBe(400);
      expect(text(page.html), url).toContain('must not contain a NUL character');
    }
  });

  test('a NUL in a new user, an edit or a token name is a 400 naming the field', async () => {
    const fields = [
      { username: 'nina\u0000', email: 'nina@example.test' },
      { username: 'nina', email: 'nina\u0000@example.test' },
      { username: 'nina', email: 'nina@example.test', firstName: 'Ni\u0000na' },
      { username: 'nina', email: 'nina@example.test', lastName: '\u0000' },
    ];
    for (const body of fields) {
      const response = await admin('POST', '/api/v1/admin/users', body);
      const field = Object.entries(body).find(([, value]) => value.includes('\u0000'))?.[0];
      expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).field).toBe(field);
    }
    const user = await f.t.createUser('olga');
    const patched = await admin('PATCH', `/api/v1/admin/users/${user.id}`, { firstName: 'Ol\u0000ga' });
    expect(expectEnvelope(patched, 400, {}).field).toBe('firstName');
    const tokenName = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: bearer(await loginToken(f.t, 'olga')),
      payload: { name: 'ci\u0000' },
    });
    expect(expectEnvelope(tokenName, 400, {}).field).toBe('name');
    expect((await f.t.store.users.findByUsername('nina')) ?? null).toBeNull();
  });

  test('other control characters in names and e-mail addresses are refused, naming the field', async () => {
    const cases = [
      [{ username: 'nina', email: 'ni\u0007na@example.test' }, 'email'],
      [{ username: 'nina', email: 'nina@example.test', firstName: 'Ni\u001bna' }, 'first_name'],
      [{ username: 'nina', email: 'nina@example.test', lastName: 'Berg\nRoot' }, 'last_name'],
      [{ username: 'nina', email: 'nina@example.test', firstName: 'Ni\u009bna' }, 'first_name'],
    ] as const;
    for (const [body, field] of cases) {
      const error = expectEnvelope(await admin('POST', '/api/v1/admin/users', body), 400, {
        reason: 'invalid_input',
      });
      expect(error.field, JSON.stringify(body)).toBe(field);
      expect(error.message).toMatch(/control character/);
    }
    const tokenName = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: bearer(token),
      payload: { name: 'ci\u0008' },
    });
    expect(expectEnvelope(tokenName, 400, {}).field).toBe('name');
    // A tab or line break in a token name is only white space, as before.
    const spaced = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: bearer(token),
      payload: { name: 'nightly\tbackup' },
    });
    expect(spaced.statusCode, spaced.body).toBe(201);
    expect(spaced.json().name).toBe('nightly backup');
  });
});
