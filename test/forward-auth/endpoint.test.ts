/**
 * The forward-auth endpoints as Traefik and Caddy call them (X-Forwarded-* headers), and the
 * site lookup behind them: which URL belongs to which site, so that neither a look-alike host
 * nor a path trick reaches a site under another site's policy.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('forward-auth endpoint and site matching', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ publicUrl: 'https://auth.example.com' });
    await t.core.services.register(
      { name: 'Wiki', kind: 'site', hosts: ['wiki.example.com'], mfaPolicy: 'not_required' },
      'cli',
    );
    await t.core.services.register(
      { name: 'Wiki admin', kind: 'site', hosts: ['wiki.example.com/admin'], mfaPolicy: 'required' },
      'cli',
    );
    await t.core.services.register(
      { name: 'Grafana', kind: 'site', hosts: ['grafana.example.com:8443'], mfaPolicy: 'required' },
      'cli',
    );
  });
  afterEach(async () => {
    await t.close();
  });

  const siteOf = async (url: string) => (await t.core.protectedSites.match(url))?.name;

  it('matches host, port and the longest path prefix by whole segments', async () => {
    expect(await siteOf('https://wiki.example.com/page')).toBe('Wiki');
    expect(await siteOf('https://WIKI.example.com/admin')).toBe('Wiki admin');
    expect(await siteOf('https://wiki.example.com/admin/users?x=1')).toBe('Wiki admin');
    expect(await siteOf('https://wiki.example.com/administrator')).toBe('Wiki');
    expect(await siteOf('https://wiki.example.com/public/%2e%2e/admin/')).toBe('Wiki admin');
    expect(await siteOf('https://wiki.example.com/%61dmin/')).toBe('Wiki admin');
    expect(await siteOf('https://grafana.example.com:8443/')).toBe('Grafana');
    expect(await siteOf('https://grafana.example.com/')).toBeUndefined();
    expect(await siteOf('https://wiki.example.com.evil.test/')).toBeUndefined();
    expect(await siteOf('https://user:pw@wiki.example.com/')).toBeUndefined();
    expect(await siteOf('javascript:alert(1)')).toBeUndefined();
  });

  const ask = (headers: Record<string, string>, cookie?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/authz/forward-auth',
      headers: { ...headers, ...(cookie ? { cookie: `twofold_session=${cookie}` } : {}) },
    });
  const traefik = (uri: string, accept = 'text/html') => ({
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'wiki.example.com',
    'x-forwarded-uri': uri,
    'x-forwarded-method': 'GET',
    accept,
  });

  it('without a session: browsers are redirected to sign in and come back, scripts get 401', async () => {
    const browser = await ask(traefik('/admin/?a=b'));
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(
      `https://auth.example.com/authz/continue?${new URLSearchParams({ rd: 'https://wiki.example.com/admin/?a=b' })}`,
    );
    const script = await ask(traefik('/admin/', 'application/json'));
    expect(script.statusCode).toBe(401);
    expect(script.headers['remote-user']).toBeUndefined();
    // Answers for the proxy are never cached or sniffed; the page people land on keeps helmet's rules.
    for (const answer of [browser, script]) {
      expect(answer.headers).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      expect(answer.headers['content-security-policy']).toBeUndefined();
    }
    const page = await t.app.inject({ method: 'GET', url: browser.headers.location as string });
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('a signed-in person passes with Remote-* headers; a password-only session passes only where MFA is not needed', async () => {
    const alice = await t.createUser('alice');
    const { secret } = await t.enrollTotp(alice);
    const login = await t.core.signIn.login({
      login: 'alice',
      password: `correct horse battery${t.codeFor(secret)}`,
      kind: 'browser',
    });
    if (login.outcome !== 'signed_in') throw new Error('no login');
    const ok = await ask(traefik('/admin/'), login.session.token);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({
      'remote-user': 'alice',
      'remote-email': 'alice@example.test',
      'remote-groups': '',
    });

    const services = await t.core.sessions.create({
      userId: alice.id,
      kind: 'browser',
      stage: 'services',
      secondFactorAt: null,
      amr: ['pwd'],
    });
    expect((await ask(traefik('/page'), services.token)).statusCode).toBe(200);
    expect((await ask(traefik('/admin/'), services.token)).statusCode).toBe(302);
    // A password step still waiting for its code opens nothing by itself.
    const pending = await t.core.sessions.create({
      userId: alice.id,
      kind: 'browser',
      stage: 'password',
      secondFactorAt: null,
      amr: ['pwd'],
    });
    expect((await ask(traefik('/page'), pending.token)).statusCode).toBe(302);
  });

  it('an unregistered site is refused, and a proxy that sends no URL is told what to configure', async () => {
    const unknown = await ask({ 'x-original-url': 'https://other.example.com/' });
    expect(unknown.statusCode).toBe(403);
    expect(unknown.body).toContain('not a site registered with Twofold');
    const nothing = await ask({});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.body).toContain('X-Original-URL');
  });
});
