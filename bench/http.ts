// Second-factor verification over HTTP (issue 9, item 2). Every case gets the same load from
// autocannon in this process: 50 connections on loopback, each request a fresh valid code, and
// each server is its own child process. Cases take turns, round after round, so background load
// spreads over all of them; each figure is the median of the rounds.
//
//   twofold serve      `node bin/twofold.js serve`, SQLite synchronous=FULL (its only mode)
//   twofold NORMAL     the same app and database code with synchronous=NORMAL (server-entry.ts)
//   bare Fastify       one route reading the same body and answering the same JSON: the ceiling
//   better-auth        two-factor plugin, /api/auth/two-factor/verify-totp on SQLite
import { join } from 'node:path';
import { type BetterAuthPeer, betterAuthCase } from './better-auth-case.js';
import { sqliteDataDir, TEMPLATE_USERS, templateLoadReport } from './fixtures.js';
import {
  type ChildServer,
  CONNECTIONS,
  CodePlan,
  cpuSeconds,
  describeRun,
  failures,
  fmt,
  formatTable,
  freePort,
  type LoadResult,
  load,
  log,
  median,
  round,
  START_ENV,
  START_FLAGS,
  sampleRss,
  settle,
  startServer,
  startTwofold,
  twofoldEnv,
  verifyRequests,
} from './harness.js';
import type { Goal, SuiteResult } from './run.js';

/** `BENCH_QUICK=1` shortens every run, to try the suite out; its figures are not the report's. */
export const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = 3;
const SECONDS = QUICK ? 2 : 5;
/**
 * A fresh server answers its first second of load at a third of its later rate while V8 compiles
 * the path: in 1 s windows, 1,054, 566, 358, then ~320 µs of CPU a verification from the fourth
 * second on (1,000 users; 100,000 alike; bench/findings.md, eleventh pass). Two seconds left
 * the tail of that in the first round.
 */
const WARMUP_SECONDS = QUICK ? 1 : 5;

export interface Case {
  readonly name: string;
  readonly server: ChildServer;
  /**
   * Where the work does not run in `server` (raw ceilings): the CPU seconds used so far by what
   * runs it — this process, or a process of its own. Such a case leaves no backlog in a server.
   */
  readonly workCpuSeconds?: () => number;
  /** Runs one measured load; returns its result. */
  measure(seconds: number): Promise<LoadResult>;
  /** The database server's CPU seconds so far, where it runs beside us (PostgreSQL). */
  readonly databaseCpuSeconds?: () => number;
}

export function verifyCase(name: string, server: ChildServer, plan: CodePlan): Case {
  return {
    name,
    server,
    measure: (seconds) =>
      load({ url: server.url, path: '/api/v1/me/verify', build: verifyRequests(plan), seconds }),
  };
}

export async function startEntry(
  name: string,
  dataDir: string,
  env: Record<string, string> = {},
  databaseUrl?: string,
): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name,
    // With `npm start`'s node flags and environment, as `twofold serve` runs in these suites:
    // without them the NORMAL case ran V8 with semi-spaces twice as large as the FULL case it is
    // compared with (bench/findings.md, fourteenth pass).
    args: [...START_FLAGS, '--import', 'tsx', 'bench/server-entry.ts'],
    env: { ...START_ENV, ...twofoldEnv(dataDir, port, databaseUrl), ...env },
    port,
  });
}

/** The bare Fastify route (bare-server.ts); with `env.DATABASE_URL`, the PostgreSQL floor. */
export async function startBare(
  env: Record<string, string> = {},
  options: { wrapper?: readonly string[]; timeoutMillis?: number } = {},
): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name: 'bare Fastify',
    args: ['--import', 'tsx', 'bench/bare-server.ts'],
    env: { PORT: String(port), ...env },
    port,
    ...options,
  });
}

/** The bare route's request: a bearer header and a code, as the verification's requests carry. */
export const BARE_REQUEST = {
  path: '/api/v1/me/verify',
  headers: { authorization: 'Bearer x' },
  body: '{"otp":"123456"}',
} as const;

/** Load on the bare route. */
export function bareCase(name: string, server: ChildServer): Case {
  return {
    name,
    server,
    measure: (seconds) => load({ url: server.url, ...BARE_REQUEST, seconds }),
  };
}

export interface CaseStats {
  readonly name: string;
  readonly perSecond: number;
  readonly p99Millis: number;
  readonly failures: number;
  /** CPU time of the server process per successful request (µs), median of the runs. */
  readonly serverCpuMicros: number;
  /** CPU time of the database server per successful request (µs), when the case measures it. */
  readonly databaseCpuMicros?: number;
  readonly runs: readonly {
    readonly perSecond: number;
    readonly p99Millis: number;
    readonly failures: number;
    readonly serverCpuMicros: number;
    readonly databaseCpuMicros?: number;
  }[];
}

/** Warms every case up, then runs `rounds` rounds with the cases in rotating order. */
export async function measureCases(
  cases: readonly Case[],
  options: { rounds?: number; seconds?: number; warmupSeconds?: number } = {},
): Promise<CaseStats[]> {
  const rounds = options.rounds ?? ROUNDS;
  const seconds = options.seconds ?? SECONDS;
  for (const c of cases) {
    const warm = await c.measure(options.warmupSeconds ?? WARMUP_SECONDS);
    log(`warm-up ${c.name}: ${describeRun(warm)}`);
    if (!c.workCpuSeconds) await settle(c.server.process.pid!);
  }
  const runs = new Map<Case, (LoadResult & { serverCpuMicros: number; databaseCpuMicros?: number })[]>(
    cases.map((c) => [c, []]),
  );
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length]!;
      const pid = c.server.process.pid!;
      const workCpuSeconds = c.workCpuSeconds ?? (() => cpuSeconds(pid));
      const cpuBefore = workCpuSeconds();
      const databaseBefore = c.databaseCpuSeconds?.();
      const result = await c.measure(seconds);
      const databaseCpu =
        databaseBefore === undefined ? undefined : (c.databaseCpuSeconds?.() ?? 0) - databaseBefore;
      const cpu = workCpuSeconds() - cpuBefore;
      const perOk = (seconds: number) => (result.ok > 0 ? (seconds * 1e6) / result.ok : Number.NaN);
      const serverCpuMicros = perOk(cpu);
      const databaseCpuMicros = databaseCpu === undefined ? undefined : perOk(databaseCpu);
      log(
        `round ${r + 1} ${c.name}: ${describeRun(result)}, ${Math.round(serverCpuMicros)} µs CPU/request` +
          (databaseCpuMicros === undefined ? '' : `, database ${Math.round(databaseCpuMicros)} µs`),
      );
      if (!c.workCpuSeconds) await settle(pid);
      runs.get(c)!.push({
        ...result,
        serverCpuMicros,
        ...(databaseCpuMicros === undefined ? {} : { databaseCpuMicros }),
      });
    }
  }
  return cases.map((c) => {
    const results = runs.get(c)!;
    return {
      name: c.name,
      perSecond: median(results.map((r) => r.perSecond)),
      p99Millis: median(results.map((r) => r.p99Millis)),
      failures: results.reduce((n, r) => n + failures(r), 0),
      serverCpuMicros: Math.round(median(results.map((r) => r.serverCpuMicros))),
      ...(c.databaseCpuSeconds
        ? { databaseCpuMicros: Math.round(median(results.map((r) => r.databaseCpuMicros ?? Number.NaN))) }
        : {}),
      runs: results.map((r) => ({
        perSecond: Math.round(r.perSecond),
        p99Millis: r.p99Millis,
        failures: failures(r),
        serverCpuMicros: Math.round(r.serverCpuMicros),
        ...(r.databaseCpuMicros === undefined ? {} : { databaseCpuMicros: Math.round(r.databaseCpuMicros) }),
      })),
    };
  });
}

export function statsTable(stats: readonly CaseStats[], reference?: string): string {
  const ref = reference ? stats.find((s) => s.name === reference) : undefined;
  const database = stats.some((s) => s.databaseCpuMicros !== undefined);
  const rows: string[][] = [
    [
      'case (median of rounds)',
      'ok/s',
      'p99 ms',
      'non-2xx',
      'server CPU µs/ok',
      ...(database ? ['database CPU µs/ok'] : []),
      ...(ref ? [`÷ ${ref.name}`] : []),
    ],
  ];
  for (const s of stats) {
    rows.push([
      s.name,
      fmt(s.perSecond),
      String(round(s.p99Millis, 1)),
      String(s.failures),
      fmt(s.serverCpuMicros),
      ...(database ? [s.databaseCpuMicros === undefined ? '' : fmt(s.databaseCpuMicros)] : []),
      ...(ref ? [`${round(s.perSecond / ref.perSecond)}×`] : []),
    ]);
  }
  return formatTable(rows);
}

export async function run(): Promise<SuiteResult> {
  const fullDir = await sqliteDataDir('http-full');
  const normalDir = await sqliteDataDir('http-normal');
  const servers: ChildServer[] = [];
  let peer: BetterAuthPeer | undefined;
  try {
    const serve = await startTwofold('twofold serve', fullDir);
    servers.push(serve);
    const normal = await startEntry('twofold NORMAL', normalDir, { BENCH_SQLITE_SYNCHRONOUS: 'NORMAL' });
    servers.push(normal);
    const bare = await startBare();
    servers.push(bare);
    const floor = await startBare({
      SQLITE_FILE: join(await sqliteDataDir('http-floor'), 'twofold.db'),
      FLOOR_FROM: '0',
      FLOOR_COUNT: String(TEMPLATE_USERS),
    });
    servers.push(floor);
    log('starting better-auth and creating its users');
    peer = await betterAuthCase();
    servers.push(peer.case.server);

    const users = { from: 0, count: TEMPLATE_USERS };
    const serveCase = verifyCase('twofold serve (SQLite FULL)', serve, new CodePlan(users));
    const normalCase = verifyCase('twofold, SQLite NORMAL', normal, new CodePlan(users));
    const bareFastify = bareCase('bare Fastify (ceiling)', bare);
    const floorCase = bareCase('bare Fastify: session read + the UPDATE, no fsync (floor)', floor);
    let peakRss = 0;
    const sampledServe: Case = {
      ...serveCase,
      measure: async (seconds) => {
        const stop = sampleRss(serve.process.pid!);
        try {
          return await serveCase.measure(seconds);
        } finally {
          peakRss = Math.max(peakRss, stop());
        }
      },
    };
    const stats = await measureCases([sampledServe, normalCase, bareFastify, floorCase, peer.case]);
    const [ours, normalStats, bareStats, floorStats, peerStats] = stats as [
      CaseStats,
      CaseStats,
      CaseStats,
      CaseStats,
      CaseStats,
    ];
    // Our runs, the ceiling and the floor must be clean; the peer's failures are reported beside it.
    const valid = [ours, normalStats, bareStats, floorStats].every((s) => s.failures === 0);
    const ratios = {
      vsBetterAuth: round(ours.perSecond / peerStats.perSecond),
      vsBareFastify: round(ours.perSecond / bareStats.perSecond),
      fullVsNormal: round(ours.perSecond / normalStats.perSecond),
      floorVsBareFastify: round(floorStats.perSecond / bareStats.perSecond),
    };
    const invalid = valid ? '' : ' (INVALID: some requests failed)';
    const goals: Goal[] = [
      {
        description: '≥ 10,000 verifications/s (twofold serve, SQLite FULL, 50 connections)',
        met: valid && ours.perSecond >= 10_000,
        measured: `${fmt(ours.perSecond)}/s; the floor ${fmt(floorStats.perSecond)}/s${invalid}`,
      },
      {
        description: '≥ 20× better-auth verify-totp',
        met: valid && ratios.vsBetterAuth >= 20,
        measured: `${ratios.vsBetterAuth}× (${fmt(peerStats.perSecond)}/s)`,
      },
      {
        description: '≥ 60% of the bare-Fastify ceiling',
        met: valid && ratios.vsBareFastify >= 0.6,
        measured:
          `${Math.round(ratios.vsBareFastify * 100)}% (${fmt(bareStats.perSecond)}/s); ` +
          `the floor ${Math.round(ratios.floorVsBareFastify * 100)}%`,
      },
      {
        description: 'SQLite synchronous=FULL ≥ 80% of NORMAL',
        met: valid && ratios.fullVsNormal >= 0.8,
        measured: `${Math.round(ratios.fullVsNormal * 100)}% (NORMAL ${fmt(normalStats.perSecond)}/s)`,
      },
    ];
    return {
      table: `${statsTable(stats, 'twofold serve (SQLite FULL)')}\npeak RSS of twofold serve under this load: ${Math.round(peakRss)} MB`,
      data: {
        method:
          `POST /api/v1/me/verify with a bearer token and a fresh valid code per request; autocannon, ${CONNECTIONS} ` +
          `connections, loopback; ${SECONDS} s runs after a ${WARMUP_SECONDS} s warm-up, ${ROUNDS} rounds, cases in ` +
          `rotating order, median per case; ${TEMPLATE_USERS.toLocaleString('en-US')} users with an active TOTP ` +
          'authenticator and a login token each (bulk-loaded). better-auth: sign-in (not timed) hands out one ' +
          'two-factor cookie per verification; the timed step is verify-totp alone. The floor: bench/bare-server.ts ' +
          'reading a session by its key and running the accepted-step UPDATE on a copy of the same database, the ' +
          "UPDATEs of one event-loop turn in one transaction, synchronous=OFF (no fsync): more than a durable server's " +
          'ceiling.',
        users: TEMPLATE_USERS,
        bulkLoad: await templateLoadReport(),
        results: stats,
        peakRssMegabytes: Math.round(peakRss),
        ratios,
        valid,
        betterAuth: peer.notes,
      },
      goals,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
