// A real nginx (Debian's), started on a loopback port with its own prefix and config, for the
// forward-auth tests; stopped by the test that started it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './serve-process.js';

const execFileAsync = promisify(execFile);
export const NGINX = '/usr/sbin/nginx';

/** Fails (never skips) without nginx: a forward-auth test that did not run proves nothing. */
export async function assertNginxInstalled(): Promise<void> {
  try {
    await execFileAsync(NGINX, ['-v']);
  } catch {
    throw new Error(`${NGINX} is missing: install it with \`apt-get install -y nginx\` (npm test does)`);
  }
}

export interface RunningNginx {
  readonly port: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with `serverBlock` as the one server's body (the listen line is
 * added). Everything nginx writes — pid, logs, temp files — stays under `prefix`.
 */
export async function startNginx(
  prefix: string,
  serverBlock: (port: number) => string,
): Promise<RunningNginx> {
  const port = await freePort();
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const temp = (name: string) => join(prefix, `${name}_temp`);
  const config = `
daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs/error.log')} info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${temp('client')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
${serverBlock(port)}
  }
}
`;
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, config);
  await execFileAsync(NGINX, ['-t', '-p', prefix, '-c', file]);
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', file], { stdio: 'ignore' });
  await waitForPort(port, child);
  const errorLog = () => {
    try {
      return readFileSync(join(prefix, 'logs/error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    port,
    errorLog,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
      return;
    } catch {
      await new Promise((wake) => setTimeout(wake, 50));
    }
  }
  throw new Error(`nginx did not listen on ${port}`);
}
