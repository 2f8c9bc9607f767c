// RADIUS Access-Requests with the password and the code typed after it (PAP, with a
// Message-Authenticator, as a VPN concentrator sends them), 50 in flight, against the same
// limit as the login: argon2id itself, measured raw with @node-rs/argon2 in the same run at the
// same concurrency.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import type * as RadiusModule from 'radius';
import { hashPassword } from '../../src/security/index.js';
import { startArgon2Ceiling } from '../argon2-ceiling.js';
import { sqliteDataDir, TEMPLATE_USERS } from '../fixtures.js';
import {
  BENCH_PASSWORD,
  benchUsername,
  type Case,
  type CaseStats,
  type ChildServer,
  CONNECTIONS,
  CodePlan,
  fmt,
  freePort,
  type Goal,
  type LoadResult,
  loadResult,
  MASTER_KEY,
  measureCases,
  QUICK,
  repoRoot,
  round,
  type SuiteResult,
  startTwofold,
  statsTable,
} from '../harness.js';

const radius = createRequire(import.meta.url)('radius') as typeof RadiusModule;

const ROUNDS = 2;
/**
 * Half the login suite's warm-up: argon2id is three quarters of an Access-Request's CPU, and the
 * JavaScript around it is the login path's, which that suite warms for 30 s (harness.ts).
 */
const WARMUP_SECONDS = QUICK ? 3 : 15;
const SECONDS = QUICK ? 2 : 5;
const SECRET = 'bench-radius-shared-secret';
const TIMEOUT_MILLIS = 10_000;
const ACCESS_ACCEPT = 2;

export async function run(): Promise<SuiteResult> {
  const dataDir = await sqliteDataDir('radius');
  execFileSync(
    process.execPath,
    [
      'bin/twofold.js',
      'service',
      'add',
      'Bench VPN',
      '--kind',
      'radius',
      '--network',
      '127.0.0.1',
      '--secret',
      SECRET,
      '--mfa',
      'required',
      '--data-dir',
      dataDir,
    ],
    { cwd: repoRoot, env: { ...process.env, TWOFOLD_MASTER_KEY: MASTER_KEY }, stdio: 'ignore' },
  );
  const ceilingProcess = startArgon2Ceiling(await hashPassword(BENCH_PASSWORD));
  const radiusPort = freePort();
  const servers: ChildServer[] = [];
  try {
    const serve = await startTwofold('twofold serve', dataDir, {
      env: { TWOFOLD_RADIUS_PORT: String(radiusPort) },
    });
    servers.push(serve);
    const plan = new CodePlan({ from: 0, count: TEMPLATE_USERS });
    const ours: Case = {
      name: 'twofold RADIUS Access-Request (password + code)',
      server: serve,
      // The same JavaScript as the login, behind another front-end: as long to optimize.
      warmupSeconds: WARMUP_SECONDS,
      measure: (seconds) => radiusLoad(radiusPort, plan, seconds),
    };
    const ceiling: Case = {
      name: '@node-rs/argon2 verify (ceiling)',
      server: serve,
      workCpuSeconds: () => ceilingProcess.cpuSeconds(),
      measure: (seconds) => ceilingProcess.measure(seconds),
      warmupSeconds: QUICK ? 1 : 3,
    };
    const stats = await measureCases([ours, ceiling], { rounds: ROUNDS, seconds: SECONDS });
    const [access, argon2] = stats as [CaseStats, CaseStats];
    const valid = access.failures === 0;
    const share = round(access.perSecond / argon2.perSecond);
    const goals: Goal[] = [
      {
        description: 'RADIUS ≥ 80% of raw argon2id verifications/s',
        met: valid && share >= 0.8,
        measured: `${Math.round(share * 100)}% (${fmt(access.perSecond)}/s of ${fmt(argon2.perSecond)}/s)${valid ? '' : ' (INVALID: some requests failed)'}`,
      },
      {
        description: 'RADIUS p99 < 1 s at 50 requests in flight',
        met: valid && access.p99Millis < 1000,
        measured: `${round(access.p99Millis, 0)} ms`,
      },
    ];
    return {
      table: statsTable(stats, access.name),
      data: {
        method:
          `RADIUS Access-Requests to twofold serve (TWOFOLD_RADIUS_PORT) from one client address (the registered NAS), ` +
          `User-Password = password + current code, Message-Authenticator, a Calling-Station-Id per worker ` +
          `(${CONNECTIONS} workers, closed loop, one UDP socket each, radius package encoding); a client policy of required; ` +
          `Access-Accept counts as success. ${WARMUP_SECONDS} s of warm-up (the ceiling 3 s), then ${SECONDS} s runs, ` +
          `${ROUNDS} rounds, median. Ceiling: @node-rs/argon2 verify of the same hash, ${CONNECTIONS} in flight, in a ` +
          'process of its own with one libuv pool thread per core (the server idle meanwhile).',
        results: stats,
        ratios: { radiusVsArgon2: share },
        valid,
      },
      goals,
    };
  } finally {
    await Promise.all([...servers.map((s) => s.stop()), ceilingProcess.stop()]);
  }
}

/** `CONNECTIONS` workers, each a UDP socket sending one Access-Request at a time. */
async function radiusLoad(port: number, plan: CodePlan, seconds: number): Promise<LoadResult> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const latencies: number[] = [];
  const worker = async (index: number) => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    let identifier = 0;
    let waiting: ((answer: Buffer | undefined) => void) | undefined;
    socket.on('message', (answer) => {
      if (answer[1] === identifier) waiting?.(answer);
    });
    try {
      while (performance.now() < end) {
        const next = plan.next();
        if (!next) throw new Error('the bench ran out of valid codes: add users');
        identifier = (identifier + 1) % 256;
        const packet = radius.encode({
          code: 'Access-Request',
          secret: SECRET,
          identifier,
          attributes: [
            ['User-Name', benchUsername(next.user)],
            ['User-Password', `${BENCH_PASSWORD}${next.code}`],
            ['Calling-Station-Id', `10.${index >> 8}.${index & 255}.1`],
          ],
          add_message_authenticator: true,
        });
        const t = performance.now();
        const answer = await new Promise<Buffer | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), TIMEOUT_MILLIS);
          waiting = (a) => {
            clearTimeout(timer);
            resolve(a);
          };
          socket.send(packet, port, '127.0.0.1');
        });
        waiting = undefined;
        if (performance.now() > end) break;
        latencies.push(performance.now() - t);
        if (answer === undefined) errors++;
        else if (answer[0] === ACCESS_ACCEPT) ok++;
        else non2xx++;
      }
    } finally {
      socket.close();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i)));
  return loadResult({ ok, non2xx, errors }, latencies, seconds);
}
