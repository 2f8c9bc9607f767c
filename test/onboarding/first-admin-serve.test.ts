/**
 * The first administrator of a fresh install, the way an operator meets it: the real
 * `twofold serve` logs a one-time link; over real HTTP the link's form creates the account, the
 * device is enrolled with the code oathtool computes, and the administration opens. The link
 * then works no more.
 */
import { afterEach, expect, test } from 'vitest';
import { oathtoolTotp } from '../helpers/browser.js';
import { attribute, hiddenFields } from '../helpers/page-client.js';
import { type ServerProcess, startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let dir: ReturnType<typeof makeTempDir> | undefined;
let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  dir?.remove();
});

/** fetch with a cookie jar, never following redirects: what a browser sends, step by step. */
function cookieClient(base: string) {
  const jar = new Map<string, string>();
  return async (path: string, form?: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  };
}

test('the link in the start-up log creates the first administrator, who enrolls a device', async () => {
  dir = makeTempDir();
  server = await startServerProcess(`${dir.path}/data`);
  for (let i = 0; i < 100 && !server.output().includes('No administrator yet'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('No administrator yet'));
  const path = new URL(JSON.parse(line!).url as string).pathname;
  expect(path).toMatch(/^\/setup\/admin\/[\w-]{43}$/);

  const browser = cookieClient(server.url);
  const form = await browser(path);
  expect(form.status).toBe(200);
  const created = await browser(path, {
    ...hiddenFields(form.html, path),
    username: 'boss',
    email: 'boss@example.test',
    password: 'a long admin password',
    confirmation: 'a long admin password',
  });
  expect(created).toMatchObject({ status: 303, location: '/setup/enroll' });
  expect((await browser('/admin/users')).status).toBe(303); // not before the device

  const start = await browser('/setup/enroll');
  const page = await browser(start.location!);
  const secret = attribute(/<input id="otp-key"[^>]*>/.exec(page.html)![0], 'value')!;
  const code = await oathtoolTotp(secret, Math.floor(Date.now() / 1000));
  const enrolled = await browser(start.location!, { ...hiddenFields(page.html, start.location!), code });
  expect(enrolled).toMatchObject({ status: 303, location: '/account/backup-codes' });

  const users = await browser('/admin/users');
  expect(users.status).toBe(200);
  expect(users.html).toContain('boss@example.test');
  expect((await cookieClient(server.url)(path)).status).toBe(410);
});
