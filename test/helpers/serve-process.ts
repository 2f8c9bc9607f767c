import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cleanEnv, cliPath } from './run-cli.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts the real `twofold serve` (on a free port unless `port` is given); resolves once its
 * start-up line appears.
 */
export async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
  port = 0,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.on('exit', (code, signal) => {
    output += `\n[twofold serve exited: code ${code}, signal ${signal}]\n`;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Twofold listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return {
    child,
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** A TCP port nobody listens on right now, for a server whose public URL must name its port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
