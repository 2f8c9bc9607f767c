/**
 * The audit log pages backwards by event id (`beforeId` in the API, `before` on the page). The
 * id is PostgreSQL's `integer`, so a number past 2,147,483,647 could not even be compared
 * (SQLSTATE 22003) and answered 500 there while SQLite served it. The API refuses it with the
 * usual schema message; the page, which never shows a bad link's error, ignores it as it
 * ignores any other value it cannot use.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bearer, expectEnvelope } from '../api/api-helpers.js';
import { text } from '../helpers/page-client.js';
import { ENGINES } from '../helpers/test-app.js';
import { type AdminFixture, adminBrowser, adminToken, createAdminFixture } from './admin-helpers.js';

describe.each(ENGINES)('the audit log paged past the last possible id, on %s', (engine) => {
  let f: AdminFixture;
  beforeEach(async () => {
    f = await createAdminFixture({ engine });
  });
  afterEach(async () => {
    await f.close();
  });

  test('the API refuses beforeId above 2147483647 with a 400 and takes 2147483647 itself', async () => {
    const token = await adminToken(f);
    const audit = (query: string) =>
      f.t.app.inject({ method: 'GET', url: `/api/v1/admin/audit?${query}`, headers: bearer(token) });
    for (const beforeId of ['3000000000', '2147483648', '99999999999999999999']) {
      expectEnvelope(await audit(`beforeId=${beforeId}`), 400, {
        message: 'Invalid request: querystring field "beforeId" must be <= 2147483647.',
        reason: 'invalid_input',
      });
    }
    const last = await audit('beforeId=2147483647');
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json().events.map((e: { type: string }) => e.type)).toContain('login.succeeded');
  });

  test('the page shows the newest events for before=3000000000, as for any unusable value', async () => {
    const browser = await adminBrowser(f);
    const newest = text((await browser.get('/admin/audit')).html);
    for (const before of ['3000000000', '2147483648', 'abc', '-1']) {
      const page = await browser.get(`/admin/audit?before=${before}`);
      expect(page.status, before).toBe(200);
      expect(text(page.html), before).toBe(newest);
    }
  });
});
