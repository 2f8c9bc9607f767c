import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, cliPath } from '../helpers/run-cli.js';
import { startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

async function startServer(dataDir: string) {
  return startServerProcess(dataDir);
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
}

describe('twofold serve', () => {
  const dirs: ReturnType<typeof makeTempDir>[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('answers /healthz on a fresh data dir, logs one start-up line, and stops cleanly on SIGTERM', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const server = await startServer(`${dir.path}/data`);
    children.push(server.child);

    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    const lines = server.output().trim().split('\n');
    expect(JSON.parse(lines[0]!).msg).toMatch(/^Twofold listening on http:\/\/127\.0\.0\.1:\d+ \(public URL/);
    // A fresh install has no administrator: the log says how to make the first one.
    await waitFor(() => server.output().includes('No administrator yet'));
    const warning = JSON.parse(server.output().trim().split('\n')[1]!);
    expect(warning.url).toMatch(/^http:\/\/localhost:\d+\/setup\/admin\/[A-Za-z0-9_-]{43}$/);

    const missing = await fetch(`${server.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { message: 'Not found.', code: 404, identity: null, title: 'Not Found' },
    });

    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(server.output()).toContain('Twofold stopped');
  });

  it('refuses to start with a clear message when the port is not a number', async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', 'http', '--data-dir', dir.path], {
      env: cleanEnv(),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toBe('twofold: --port: expected a port number from 0 to 65535, got "http"\n');
  });
});
