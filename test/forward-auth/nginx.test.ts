/**
 * Forward-auth behind a real nginx: Chromium asks for a protected site, nginx asks Twofold
 * (`auth_request`), Twofold sends the browser to its login and back, and the site sees who it is
 * in `Remote-User` — set by nginx from Twofold's answer, never by the client. A site whose policy
 * needs MFA asks for the code; one where the person turned MFA off takes the password alone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { launchChromium, OathtoolDevice, type RunningServer, startServer } from '../helpers/browser.js';
import { assertNginxInstalled, type RunningNginx, startNginx } from '../helpers/nginx.js';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'correct horse battery';

describe('forward-auth with nginx auth_request', () => {
  let twofold: RunningServer;
  let upstream: Server;
  let nginx: RunningNginx;
  let browser: Browser;
  let dir: ReturnType<typeof makeTempDir>;
  let alice: UserRow;
  let phone: OathtoolDevice;
  let site: string;

  beforeAll(async () => {
    await assertNginxInstalled();
    await assertOathtoolInstalled();
    dir = makeTempDir();
    twofold = await startServer();
    // The upstream shows what nginx passed on: the identity headers, and the path.
    upstream = createServer((request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(
        `<h1>Site ${request.url}</h1><p id="user">${request.headers['remote-user'] ?? ''}</p>` +
          `<p id="email">${request.headers['remote-email'] ?? ''}</p><p id="groups">${request.headers['remote-groups'] ?? ''}</p>`,
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const twofoldUrl = new URL(twofold.baseUrl);
    nginx = await startNginx(
      dir.path,
      () => `
    location = /internal/twofold {
      internal;
      proxy_pass http://127.0.0.1:${twofoldUrl.port}/api/authz/auth-request;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
    location / {
      auth_request /internal/twofold;
      auth_request_set $user $upstream_http_remote_user;
      auth_request_set $email $upstream_http_remote_email;
      auth_request_set $groups $upstream_http_remote_groups;
      auth_request_set $redirection_url $upstream_http_location;
      error_page 401 =302 $redirection_url;
      proxy_set_header Remote-User $user;
      proxy_set_header Remote-Email $email;
      proxy_set_header Remote-Groups $groups;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }`,
    );
    site = `http://localhost:${nginx.port}`;
    const { core } = twofold;
    await core.services.register(
      { name: 'Admin panel', kind: 'site', hosts: [`localhost:${nginx.port}/admin`], mfaPolicy: 'required' },
      'cli',
    );
    await core.services.register(
      { name: 'Wiki', kind: 'site', hosts: [`localhost:${nginx.port}/wiki`], mfaPolicy: 'user_choice' },
      'cli',
    );
    const created = await core.accounts.createUser({
      username: 'alice',
      email: 'alice@example.test',
      password: PASSWORD,
    });
    alice = (await core.store.users.findById(created.user.id)) as UserRow;
    const enrollment = await core.totp.start(alice);
    phone = new OathtoolDevice(enrollment.secret, twofold.clock);
    await core.totp.activate(alice, enrollment.authenticatorId, { code: await phone.nextCode() });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
    await twofold?.close();
    dir?.remove();
  });

  async function logIn(page: Page, withCode: boolean) {
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    if (withCode) {
      await page.getByLabel('One-time code').fill(await phone.nextCode());
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
    }
  }

  it('a required site: sent to Twofold, logs in with a code, lands on the site as alice', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/admin/users?tab=1`);
    expect(new URL(page.url()).origin).toBe(twofold.baseUrl);
    await logIn(page, true);
    await page.waitForURL(`${site}/admin/users?tab=1`);
    expect(await page.textContent('h1')).toBe('Site /admin/users?tab=1');
    expect(await page.textContent('#user')).toBe('alice');
    expect(await page.textContent('#email')).toBe('alice@example.test');
    // Signed in to Twofold: the other site lets the person straight in.
    await page.goto(`${site}/wiki/`);
    expect(await page.textContent('#user')).toBe('alice');
    const [event] = await twofold.core.store.audit.list({ type: 'service.signed_in' });
    expect(JSON.parse(event!.detail)).toMatchObject({ service: 'Admin panel', amr: 'pwd otp mfa' });
    await context.close();
  });

  it("a user's-choice site with MFA turned off needs only the password; the required one then asks only for the code", async () => {
    const wiki = (await twofold.core.store.services.findByClientId('wiki'))!;
    await twofold.core.store.services.setMfaOff(alice.id, wiki.id, true, twofold.clock.now());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site}/wiki/page`);
    await logIn(page, false);
    await page.waitForURL(`${site}/wiki/page`);
    expect(await page.textContent('#user')).toBe('alice');
    // Past the five minutes a password step waits for its code, the wiki still knows the person.
    twofold.clock.advance(10 * 60_000);
    await page.goto(`${site}/wiki/other`);
    expect(await page.textContent('#user')).toBe('alice');
    // ... but Twofold's own pages do not, and the required site asks for the code alone.
    await page.goto(`${twofold.baseUrl}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(`${site}/admin/`);
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByLabel('One-time code').fill(await phone.nextCode());
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL(`${site}/admin/`);
    expect(await page.textContent('#user')).toBe('alice');
    await twofold.core.store.services.setMfaOff(alice.id, wiki.id, false, twofold.clock.now());
    await context.close();
  });

  it('a Remote-User sent by the client is stripped: without a session the site is never reached', async () => {
    const spoofed = await fetch(`${site}/admin/`, {
      headers: { 'remote-user': 'root', accept: 'text/html' },
      redirect: 'manual',
    });
    expect(spoofed.status).toBe(302);
    expect(spoofed.headers.get('location')).toBe(
      `${twofold.baseUrl}/authz/continue?${new URLSearchParams({ rd: `${site}/admin/` })}`,
    );
  });

  it('with a session, the site sees the Remote-User from Twofold, not the one the client sent', async () => {
    const context = await browser.newContext({
      extraHTTPHeaders: { 'Remote-User': 'root', 'Remote-Groups': 'admins' },
    });
    const page = await context.newPage();
    await page.goto(`${site}/admin/`);
    await logIn(page, true);
    await page.waitForURL(`${site}/admin/`);
    expect(await page.textContent('#user')).toBe('alice');
    expect(await page.textContent('#groups')).toBe('');
    await context.close();
  });

  it('the continue page sends nobody to a site that is not registered', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answer = await page.goto(
      `${twofold.baseUrl}/authz/continue?${new URLSearchParams({ rd: 'https://evil.example/admin/' })}`,
    );
    expect(answer?.status()).toBe(400);
    expect(await page.textContent('body')).toContain('does not lead back to a site registered with Twofold');
    expect(page.url()).toContain(twofold.baseUrl);
    await context.close();
  });
});
