// A real Twofold server on a socket and a real Chromium driving it, for the browser tests.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { type Clock, Core } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import { openTempSqlite } from './sqlite-store.js';

const execFileAsync = promisify(execFile);

/** Where screenshots go for a reviewer to look at (gitignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-output/screenshots');

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** Debian's Chromium (browsers cannot be downloaded here), headless. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The system clock, plus an offset a test may move forward: real time flows (codes come from
 * oathtool at real time), and "the user came back six minutes later" needs no six-minute sleep.
 */
export class ShiftedSystemClock implements Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface RunningServer {
  readonly baseUrl: string;
  readonly core: Core;
  readonly clock: ShiftedSystemClock;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A whole Twofold on a temp SQLite file, listening on 127.0.0.1 and reached as localhost. */
export async function startServer(options: { issuer?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const database = await openTempSqlite();
  const clock = new ShiftedSystemClock();
  const core = new Core({
    store: database.store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock,
    settings: { publicUrl: baseUrl, issuer: options.issuer ?? 'Twofold', setupLinkHours: 72 },
  });
  const app = await buildApp({ core, logger: false });
  await app.listen({ host: '127.0.0.1', port });
  return {
    baseUrl,
    core,
    clock,
    app,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

async function freePort(): Promise<number> {
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

/** Fails (never skips) when a tool is missing: a cross-check that did not run proves nothing. */
export async function assertToolsInstalled(): Promise<void> {
  const tools: [string, string[], string][] = [
    ['/usr/bin/chromium', ['--version'], 'chromium'],
    ['zbarimg', ['--version'], 'zbar-tools'],
    ['oathtool', ['--version'], 'oathtool'],
  ];
  for (const [command, args, pkg] of tools) {
    try {
      await execFileAsync(command, args);
    } catch {
      throw new Error(
        `${command} is missing: install it with \`apt-get install -y ${pkg}\` (scripts/test.sh does)`,
      );
    }
  }
}

/** What zbarimg (ZBar, not us) reads from a picture: the text of the one QR code in it. */
export async function readQrCode(imagePath: string): Promise<string> {
  const { stdout } = await execFileAsync('zbarimg', ['--raw', '-q', imagePath]);
  return stdout.trim();
}

/**
 * Codes from oathtool, one device at a time, never reusing a time step: the server refuses a
 * replayed step (RFC 6238 §5.2), and a person logging in twice within 30 seconds simply waits
 * for the next code. The ±1 window lets a code be one step old or one ahead, so three logins
 * fit in one step; the previous step is used only early in the current one, so it cannot fall
 * out of the window before the server checks it. Only when all three are used does it wait.
 */
export class OathtoolDevice {
  private lastStep = 0;

  constructor(
    readonly secret: string,
    private readonly clock: Clock,
  ) {}

  async nextCode(): Promise<string> {
    for (;;) {
      const now = this.clock.now();
      const current = Math.floor(now / 30_000);
      const earliest = now % 30_000 < 20_000 ? current - 1 : current;
      const step = Math.max(this.lastStep + 1, earliest);
      if (step <= current + 1) {
        this.lastStep = step;
        return this.codeAtStep(step);
      }
      await new Promise((wake) => setTimeout(wake, (current + 1) * 30_000 - now + 50));
    }
  }

  /** A code of this device that is valid now but may already have been used. */
  codeAtStep(step: number): Promise<string> {
    return oathtoolTotp(this.secret, step * 30);
  }

  get lastUsedStep(): number {
    return this.lastStep;
  }
}

/** `oathtool --totp -b KEY --now @SECONDS` */
export async function oathtoolTotp(secret: string, unixSeconds: number): Promise<string> {
  const { stdout } = await execFileAsync('oathtool', ['--totp', '-b', secret, `--now=@${unixSeconds}`]);
  return stdout.trim();
}
