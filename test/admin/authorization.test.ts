/**
 * Threat: a signed-in person who is not an administrator (or a script holding a personal API
 * token, even an administrator's) reaching any administration route — reading other people's
 * profiles or the audit log, or changing accounts. Every admin page and API operation is tried
 * with each kind of caller that must be refused; the routes are taken from the app itself, so
 * a route added later without the guard fails here.
 */
import type { RouteOptions } from 'fastify';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRoutes } from '../../src/http/api/index.js';
import { pageRoutes } from '../../src/http/pages/index.js';
import type { UserRow } from '../../src/store/index.js';
import { hiddenFields, PageClient } from '../helpers/page-client.js';
import {
  type AdminFixture,
  adminBrowser,
  adminToken,
  createAdminFixture,
  PASSWORD,
  userBrowser,
} from './admin-helpers.js';

let f: AdminFixture;
let victim: UserRow;
let apiRouteKeys: string[];
let pageRouteKeys: string[];

/** Every route a plugin registers, as "METHOD /path" with `:id` filled in. */
async function routesOf(register: (app: ReturnType<typeof Fastify>) => Promise<void>, prefix: string) {
  const routes: RouteOptions[] = [];
  const bare = Fastify({ logger: false });
  bare.addHook('onRoute', (route) => {
    routes.push(route);
  });
  await register(bare);
  await bare.ready();
  await bare.close();
  return routes
    .flatMap((route) => [route.method].flat().map((method) => `${method} ${route.url}`))
    .filter((key) => !key.startsWith('HEAD ') && key.includes(` ${prefix}`))
    .map((key) => key.replace(':id', victim.id));
}

beforeAll(async () => {
  f = await createAdminFixture();
  victim = await f.t.createUser('victim');
  await f.t.enrollTotp(victim, 'Victim phone');
  await f.t.createUser('mallory');
  apiRouteKeys = await routesOf(
    (app) => app.register(apiRoutes, { core: f.t.core, prefix: '/api' }),
    '/api/v1/admin',
  );
  pageRouteKeys = await routesOf((app) => app.register(pageRoutes, { core: f.t.core }), '/admin');
});
afterAll(async () => {
  await f.close();
});

const inject = (key: string, headers: Record<string, string>) => {
  const [method, url] = key.split(' ') as ['GET' | 'POST' | 'PATCH' | 'DELETE', string];
  return f.t.app.inject({
    method,
    url,
    headers,
    ...(method === 'POST' || method === 'PATCH'
      ? { payload: { otpRequired: false, username: 'x', email: 'x@example.test' } }
      : {}),
  });
};

describe('the admin API', () => {
  test('has the routes this test expects to cover', () => {
    expect(apiRouteKeys.length).toBeGreaterThanOrEqual(11);
  });

  test('answers 401 without a token, on every route', async () => {
    for (const key of apiRouteKeys) {
      const response = await inject(key, {});
      expect(response.statusCode, key).toBe(401);
    }
  });

  test("answers 403 to a non-administrator's login token, on every route, and changes nothing", async () => {
    const login = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'mallory', password: PASSWORD },
    });
    const token = login.json<{ token: string }>().token;
    for (const key of apiRouteKeys) {
      const response = await inject(key, { authorization: `Bearer ${token}` });
      expect(response.statusCode, key).toBe(403);
      expect(response.json().error).toMatchObject({ code: 403, reason: 'forbidden' });
    }
    expect(await f.t.core.authenticators.list(victim)).toHaveLength(1);
    expect((await f.t.store.users.findById(victim.id))?.disabled).toBe(0);
  });

  test("answers 403 to an administrator's personal API token, on every route", async () => {
    const login = await adminToken(f);
    const created = await f.t.app.inject({
      method: 'POST',
      url: '/api/v1/me/api-tokens',
      headers: { authorization: `Bearer ${login}` },
      payload: { name: 'script' },
    });
    const personal = created.json<{ token: string }>().token;
    for (const key of apiRouteKeys) {
      const response = await inject(key, { authorization: `Bearer ${personal}` });
      expect(response.statusCode, key).toBe(403);
    }
    expect(await f.t.core.authenticators.list(victim)).toHaveLength(1);
  });
});

describe('the admin pages', () => {
  test('have the routes this test expects to cover', () => {
    expect(pageRouteKeys.filter((key) => key.startsWith('GET ')).length).toBeGreaterThanOrEqual(8);
    expect(pageRouteKeys.filter((key) => key.startsWith('POST ')).length).toBeGreaterThanOrEqual(8);
  });

  test('send an anonymous browser to the login page', async () => {
    const anonymous = new PageClient(f.t.app);
    for (const key of pageRouteKeys) {
      const [method, url] = key.split(' ') as ['GET' | 'POST', string];
      const response = method === 'GET' ? await anonymous.get(url) : await anonymous.post(url, {});
      expect(response.status, key).toBe(303);
      expect(response.location, key).toMatch(/^\/login/);
    }
  });

  test("answer 403 to a non-administrator's session, on every page and form, even with its CSRF token", async () => {
    const mallory = await userBrowser(f.t, 'mallory');
    const csrf = hiddenFields((await mallory.get('/account')).html, '/logout')._csrf!;
    expect(csrf).toBeTruthy();
    for (const key of pageRouteKeys) {
      const [method, url] = key.split(' ') as ['GET' | 'POST', string];
      const response =
        method === 'GET'
          ? await mallory.get(url)
          : await mallory.post(url, {
              _csrf: csrf,
              otp_required: '',
              confirm: 'yes',
              email: 'm@example.test',
            });
      expect(response.status, key).toBe(403);
      expect(response.html, key).toContain('Only administrators can do this.');
    }
    expect(await f.t.core.authenticators.list(victim)).toHaveLength(1);
    expect(await f.t.store.users.findById(victim.id)).toBeDefined();
  });

  test('answer 403 to an administrator without an active device', async () => {
    const lax = await f.t.createUser('laxadmin', PASSWORD, { isAdmin: true });
    // Promoted while signed in: the session is full, but an administrator must use MFA.
    await f.t.store.users.update(lax.id, { is_admin: 0 });
    const browser = await userBrowser(f.t, 'laxadmin');
    await f.t.store.users.update(lax.id, { is_admin: 1 });
    const response = await browser.get('/admin/users');
    expect(response.status).toBe(403);
    expect(response.html).toContain('Administrators must use two-factor authentication');
  });

  test('let the administrator in', async () => {
    const admin = await adminBrowser(f);
    expect((await admin.get('/admin/users')).status).toBe(200);
  });
});
