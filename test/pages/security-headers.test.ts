/**
 * Threat: script injection and clickjacking. A strict Content-Security-Policy (our own scripts
 * and styles only, nothing inline, no framing) means a name that slipped past escaping still
 * could not run, and a page of ours cannot be framed to trick a click. That only holds if the
 * pages themselves need nothing inline: no inline scripts, no style attributes, no <style>.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PageClient } from '../helpers/page-client.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

let t: TestApp;
const pages = new Map<string, { html: string; headers: Record<string, unknown> }>();

beforeAll(async () => {
  t = await createTestApp();
  await t.createUser('alice', PASSWORD);
  const browser = new PageClient(t.app);
  pages.set('login', await browser.get('/login'));
  await browser.login('alice', PASSWORD);
  pages.set('account', await browser.get('/account'));
  pages.set('password', await browser.get('/account/password'));
  const setup = await browser.get('/account/otp/new');
  pages.set('setup', await browser.get(setup.location!));
  pages.set('not found', await browser.get('/no/such/page'));
});
afterAll(async () => {
  await t.close();
});

describe.each(['login', 'account', 'password', 'setup', 'not found'])('the %s page', (name) => {
  test('has a strict CSP, the helmet headers and no-store', () => {
    const { headers } = pages.get(name)!;
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-store');
    expect(String(headers['content-type'])).toBe('text/html; charset=utf-8');
  });

  test('needs nothing inline: no inline script, no style attribute, no <style>', () => {
    const { html } = pages.get(name)!;
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
  });
});

describe('static files', () => {
  test.each([
    ['/static/pico.classless.min.css', 'text/css; charset=utf-8', /Pico CSS/],
    ['/static/app.css', 'text/css; charset=utf-8', /\.qr/],
    ['/static/copy.js', 'text/javascript; charset=utf-8', /navigator\.clipboard/],
  ])('%s is served with its type and cache headers', async (path, type, body) => {
    const page = pages.get('setup')!.html;
    const versioned = new RegExp(`${path.replaceAll('.', '\\.')}\\?v=([\\w-]+)`).exec(page);
    expect(versioned, `${path} linked from the setup page`).not.toBeNull();
    const response = await t.app.inject({ url: versioned![0] });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body).toMatch(body);
    const unversioned = await t.app.inject({
      url: path,
      headers: { 'if-none-match': String(response.headers.etag) },
    });
    expect(unversioned.statusCode).toBe(304);
    expect(unversioned.headers['cache-control']).toBe('no-cache');
  });
});

describe('error pages', () => {
  test('an unknown page is a 404 page with a way back', () => {
    const { html } = pages.get('not found')!;
    expect(html).toContain('<h1>Not found</h1>');
    expect(html).toContain('href="/"');
  });
});
