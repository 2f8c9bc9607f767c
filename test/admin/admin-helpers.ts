import { expect } from 'vitest';
import { createMailTransport } from '../../src/cli/mail-transport.js';
import type { UserRow } from '../../src/store/index.js';
import { PageClient } from '../helpers/page-client.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { createTestApp, type Engine, type TestApp } from '../helpers/test-app.js';

export const PASSWORD = 'correct horse battery';

/** A test app whose mail goes through nodemailer to a real SMTP server on loopback, and an administrator with a TOTP device. */
export interface AdminFixture {
  readonly t: TestApp;
  readonly smtp: TestSmtpServer;
  readonly admin: UserRow;
  readonly adminSecret: string;
  close(): Promise<void>;
}

export async function createAdminFixture(options: { engine?: Engine } = {}): Promise<AdminFixture> {
  const smtp = await startSmtpServer();
  const mailer = createMailTransport({
    smtpUrl: smtp.url,
    from: 'Twofold <twofold@example.test>',
    outboxDir: '/nonexistent',
    log: () => {},
  });
  const t = await createTestApp({ mailer, ...options });
  const admin = await t.createUser('root', PASSWORD, { isAdmin: true });
  const { secret } = await t.enrollTotp(admin, 'Root phone');
  return {
    t,
    smtp,
    admin,
    adminSecret: secret,
    async close() {
      await t.core.notices.settled();
      await t.close();
      await smtp.close();
    },
  };
}

/**
 * A browser signed in as the administrator (password with the code appended). Each call moves
 * the clock one TOTP step on, so no two logins offer the same code.
 */
export async function adminBrowser(f: AdminFixture): Promise<PageClient> {
  const browser = new PageClient(f.t.app);
  f.t.clock.advance(30_000);
  const response = await browser.login('root', `${PASSWORD}${f.t.codeFor(f.adminSecret)}`);
  expect(response.status, response.html).toBe(303);
  expect(response.location).toBe('/account');
  return browser;
}

/** A browser signed in as a user without a second factor. */
export async function userBrowser(t: TestApp, username: string): Promise<PageClient> {
  const browser = new PageClient(t.app, '198.51.100.9');
  const response = await browser.login(username, PASSWORD);
  expect(response.status, response.html).toBe(303);
  return browser;
}

/** An API login token of the administrator (password and a fresh code). */
export async function adminToken(f: AdminFixture): Promise<string> {
  f.t.clock.advance(30_000);
  const response = await f.t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { username: 'root', password: PASSWORD, otp: f.t.codeFor(f.adminSecret) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ token: string }>().token;
}

/** The last path segment of a setup link: the token. */
export const tokenOf = (url: string): string => new URL(url).pathname.split('/').pop()!;
