// Password + code login over HTTP (issue 9, item 3): POST /api/v1/login with the code typed
// right after the password, 50 connections, against its limit — argon2id itself, measured raw
// with @node-rs/argon2 in the same run at the same concurrency — its floor over HTTP (a bare
// Fastify route that only checks the password), and better-auth's sign-in.
import { hashPassword } from '../../src/security/index.js';
import { ONE_POOL_THREAD_PER_CORE, startArgon2Ceiling } from '../argon2-ceiling.js';
import { startBetterAuth } from '../better-auth-peer.js';
import { loginCase, startBare } from '../cases.js';
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
  type Goal,
  LOGIN_WARMUP_SECONDS,
  load,
  measureCases,
  QUICK,
  round,
  type SuiteResult,
  sampleRss,
  startTwofold,
  statsTable,
} from '../harness.js';

/**
 * Argon2id sets the pace and barely moves between rounds (3% apart in the runs so far, against
 * 30% for the verify cases), so two longer rounds measure it as well as three short ones.
 */
const ROUNDS = 2;
const SECONDS = QUICK ? 2 : 5;
/** better-auth's scrypt runs on its event loop, 50 interleaved: the first answers take seconds. */
const BETTER_AUTH_SECONDS = QUICK ? 4 : 6;

export async function run(): Promise<SuiteResult> {
  const dataDir = await sqliteDataDir('login');
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const ceilingProcess = startArgon2Ceiling(passwordHash);
  const servers: ChildServer[] = [];
  try {
    const serve = await startTwofold('twofold serve', dataDir);
    servers.push(serve);
    const floorServer = await startBare({ LOGIN_HASH: passwordHash, ...ONE_POOL_THREAD_PER_CORE });
    servers.push(floorServer);
    const betterAuth = await startBetterAuth({ fastHash: false, users: 200 });
    servers.push(betterAuth);
    const ceiling: Case = {
      name: '@node-rs/argon2 verify (ceiling)',
      server: serve,
      workCpuSeconds: () => ceilingProcess.cpuSeconds(),
      measure: (seconds) => ceilingProcess.measure(seconds),
      // Native code on libuv's pool: nothing for V8 to compile.
      warmupSeconds: QUICK ? 1 : 3,
    };
    let peakRss = 0;
    const plan = new CodePlan({ from: 0, count: TEMPLATE_USERS });
    const ours = loginCase(serve, plan);
    const sampled: Case = {
      ...ours,
      warmupSeconds: LOGIN_WARMUP_SECONDS,
      measure: async (seconds) => {
        const stop = sampleRss(serve.process.pid!);
        try {
          return await ours.measure(seconds);
        } finally {
          peakRss = Math.max(peakRss, stop());
        }
      },
    };
    let signIns = 0;
    const peer: Case = {
      name: 'better-auth sign-in/email (scrypt)',
      server: betterAuth,
      measure: (seconds) =>
        load({
          url: betterAuth.url,
          path: '/api/auth/sign-in/email',
          headers: { origin: betterAuth.url },
          seconds: Math.max(seconds, BETTER_AUTH_SECONDS),
          timeoutSeconds: 60,
          build: () => {
            const user = signIns++ % 200;
            return {
              body: JSON.stringify({ email: `${benchUsername(user)}@bench.test`, password: BENCH_PASSWORD }),
            };
          },
        }),
      // Its sign-ins run at ~15 a second: one short run warms them.
      warmupSeconds: QUICK ? 2 : 5,
    };
    const floor: Case = {
      ...loginCase(floorServer, plan, 'bare Fastify: one argon2id verify (floor)'),
      // One route: V8 has little to compile, argon2 is native.
      warmupSeconds: QUICK ? 1 : 5,
    };
    const stats = await measureCases([sampled, ceiling, floor, peer], { rounds: ROUNDS, seconds: SECONDS });
    const [login, argon2, floorStats, peerStats] = stats as [CaseStats, CaseStats, CaseStats, CaseStats];
    // The same load from one address, as autocannon sends it: the per-address password throttle
    // counts the attempts in flight as failures and refuses the rest (reported, not a goal).
    const oneAddress = await loginCase(serve, plan, 'one address', true).measure(SECONDS);
    const valid = [login, argon2, floorStats].every((s) => s.failures === 0);
    const share = round(login.perSecond / argon2.perSecond);
    const floorShare = round(floorStats.perSecond / argon2.perSecond);
    const goals: Goal[] = [
      {
        description: 'login ≥ 85% of raw argon2id verifications/s',
        met: valid && share >= 0.85,
        measured: `${Math.round(share * 100)}% (${fmt(login.perSecond)}/s of ${fmt(argon2.perSecond)}/s); the floor ${Math.round(floorShare * 100)}%${valid ? '' : ' (INVALID: some requests failed)'}`,
      },
      {
        description: 'login p99 < 1 s at 50 connections',
        met: valid && login.p99Millis < 1000,
        measured: `${round(login.p99Millis, 0)} ms`,
      },
    ];
    return {
      table:
        `${statsTable(stats, login.name)}\npeak RSS of twofold serve under login load: ${Math.round(peakRss)} MB\n` +
        `the same load from one client address: ${fmt(oneAddress.perSecond)} ok/s, ${oneAddress.non2xx} refused (429)`,
      data: {
        method:
          `POST /api/v1/login {username, password: password + current code}, argon2id m=19456 KiB t=2 p=1; ${CONNECTIONS} ` +
          `keep-alive connections from ${CONNECTIONS} loopback addresses (127.0.0.2…), closed loop; ${LOGIN_WARMUP_SECONDS} s of warm-up (the ceiling 3 s, the floor 5 s, better-auth 5 s), then ${SECONDS} s runs (better-auth ${BETTER_AUTH_SECONDS} s), ${ROUNDS} rounds, median. Ceiling: @node-rs/argon2 verify of the same hash, ` +
          `${CONNECTIONS} in flight, in a process of its own with one libuv pool thread per core (the server idle meanwhile). Floor: bench/bare-server.ts with LOGIN_HASH, ` +
          'a bare Fastify route that verifies the password with @node-rs/argon2 and answers a token, under the same load, one pool thread per core. better-auth: POST /api/auth/sign-in/email ' +
          'with its default scrypt, for a user with TOTP on (answers twoFactorRedirect; its login then needs verify-totp as well).',
        results: stats,
        ratios: {
          loginVsArgon2: share,
          floorVsArgon2: floorShare,
          vsBetterAuthSignIn: round(login.perSecond / peerStats.perSecond),
        },
        peakRssMegabytes: Math.round(peakRss),
        oneAddress: {
          description: `the same login load from a single client address (autocannon), ${SECONDS} s`,
          okPerSecond: Math.round(oneAddress.perSecond),
          refused: oneAddress.non2xx,
        },
        valid,
      },
      goals,
    };
  } finally {
    await Promise.all([...servers.map((s) => s.stop()), ceilingProcess.stop()]);
  }
}
