// Runs oathtool (OATH Toolkit, by people who are not us) to compute reference codes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { OtpAlgorithm } from '../../src/otp/index.js';

const execFileAsync = promisify(execFile);

/** Fails (never skips) when oathtool is missing: a cross-check that did not run proves nothing. */
export async function assertOathtoolInstalled(): Promise<void> {
  try {
    await execFileAsync('oathtool', ['--version']);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is not on PATH' : 'does not run';
    throw new Error(
      `oathtool ${reason}: install it with \`apt-get install -y oathtool\` (\`npm test\` does this through scripts/test.sh)`,
    );
  }
}

export interface OathtoolTotp {
  readonly secretBase32: string;
  readonly unixSeconds: number;
  readonly algorithm: OtpAlgorithm;
  readonly digits: number;
  readonly periodSeconds: number;
}

/** `oathtool --totp=SHA256 --digits=8 -s 30s --now @1234567890 -b SECRET` */
export function oathtoolTotp({ secretBase32, unixSeconds, algorithm, digits, periodSeconds }: OathtoolTotp) {
  return oathtool([
    `--totp=${algorithm.toUpperCase()}`,
    `--digits=${digits}`,
    `--time-step-size=${periodSeconds}s`,
    `--now=@${unixSeconds}`,
    '--base32',
    secretBase32,
  ]);
}

/** `oathtool --hotp --digits=6 --counter=N -b SECRET` (oathtool's HOTP is HMAC-SHA-1 only). */
export function oathtoolHotp({
  secretBase32,
  counter,
  digits,
}: {
  secretBase32: string;
  counter: number;
  digits: number;
}) {
  return oathtool(['--hotp', `--digits=${digits}`, `--counter=${counter}`, '--base32', secretBase32]);
}

async function oathtool(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('oathtool', args);
  return stdout.trim();
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A small seeded generator (mulberry32), so the "random" cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
