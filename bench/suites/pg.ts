// PostgreSQL (issue 9, item 6): `twofold serve` on PostgreSQL against the raw pg ceiling — the
// same conditional UPDATE that records an accepted step, run by pg directly from this process at
// the same concurrency (50 in flight), in the same run. The database is created here and dropped
// after.
//
// Beside them, the floor over HTTP: the bare Fastify route reading the caller's session and then
// running that UPDATE. Every verification over HTTP against shared state does at least this (and
// more: the user, the counter, the secret, the audit), so the floor's share of the ceiling bounds
// what a verification can reach on this machine.
import pg from 'pg';
import { ACCEPT_STEP, FLOOR_ROWS } from '../accept-step.js';
import { bulkLoadPostgres } from '../bulk-load.js';
import { bareCase, startBare, verifyCase } from '../cases.js';
import { scratchDir } from '../fixtures.js';
import {
  type Case,
  type CaseStats,
  type ChildServer,
  CONNECTIONS,
  CodePlan,
  commandCpuSeconds,
  fmt,
  type Goal,
  loadResult,
  log,
  measureCases,
  ownCpuSeconds,
  QUICK,
  ROUNDS,
  round,
  type SuiteResult,
  startTwofold,
  statsTable,
} from '../harness.js';

const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = QUICK ? 30_000 : 100_000;
/** Users whose authenticators only the raw ceiling touches; the next as many, only the floor. */
const RAW_USERS = 10_000;
const SECONDS = QUICK ? 2 : 4;
/** pg from this process and bare Fastify have little JavaScript to compile; Twofold's path needs 5 s. */
const SHORT_WARMUP_SECONDS = QUICK ? 1 : 2;

/** PostgreSQL on this machine: every process named `postgres`, backends and writers alike. */
const databaseCpuSeconds = () => commandCpuSeconds('postgres');

/** The accepted-step UPDATE, `CONNECTIONS` in flight over a pool of `poolSize`. */
async function rawCeiling(pool: pg.Pool, ids: readonly string[], seconds: number, counter: { step: number }) {
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  let next = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < end) {
      const id = ids[next++ % ids.length]!;
      const t = performance.now();
      const result = await pool.query(ACCEPT_STEP, [++counter.step, Date.now(), id]);
      latencies.push(performance.now() - t);
      if (result.rowCount === 1) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return loadResult({ ok, non2xx: failed, errors: 0 }, latencies, elapsed);
}

export async function run(): Promise<SuiteResult> {
  const name = `twofold_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => {});
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const servers: ChildServer[] = [];
  const pools: pg.Pool[] = [];
  try {
    log(`bulk-loading ${(USERS + 2 * RAW_USERS).toLocaleString('en-US')} users into PostgreSQL`);
    const report = await bulkLoadPostgres(databaseUrl, USERS + 2 * RAW_USERS);
    log(`loaded in ${report.seconds.toFixed(1)} s`);
    const serve = await startTwofold('twofold serve (PostgreSQL)', scratchDir('pg'), { databaseUrl });
    servers.push(serve);
    const floor = await startBare({
      DATABASE_URL: databaseUrl,
      FLOOR_FROM: String(USERS + RAW_USERS),
      FLOOR_COUNT: String(RAW_USERS),
    });
    servers.push(floor);
    const lookup = new pg.Client({ connectionString: databaseUrl });
    await lookup.connect();
    const rawIds = (await lookup.query<{ id: string }>(FLOOR_ROWS, [USERS, USERS + RAW_USERS])).rows.map(
      (r) => r.id,
    );
    await lookup.end();
    const counter = { step: 0 };
    const rawCase = (poolSize: number): Case => {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
      pool.on('error', () => {});
      pools.push(pool);
      return {
        name: `raw pg UPDATE, pool ${poolSize} (ceiling)`,
        server: serve,
        workCpuSeconds: ownCpuSeconds,
        measure: (seconds) => rawCeiling(pool, rawIds, seconds, counter),
        databaseCpuSeconds,
        warmupSeconds: SHORT_WARMUP_SECONDS,
      };
    };
    const ours: Case = {
      ...verifyCase('twofold serve (PostgreSQL, pool 10)', serve, new CodePlan({ from: 0, count: USERS })),
      databaseCpuSeconds,
    };
    const floorCase: Case = {
      ...bareCase(
        'bare Fastify: session read + the UPDATE, pool 10 (floor over HTTP)',
        floor,
        SHORT_WARMUP_SECONDS + 1,
      ),
      databaseCpuSeconds,
    };
    const stats = await measureCases([ours, rawCase(10), rawCase(CONNECTIONS), floorCase], {
      seconds: SECONDS,
    });
    const [oursStats, raw10, raw50, floorStats] = stats as [CaseStats, CaseStats, CaseStats, CaseStats];
    const ceiling = raw10.perSecond >= raw50.perSecond ? raw10 : raw50;
    const valid = stats.every((s) => s.failures === 0);
    const share = round(oursStats.perSecond / ceiling.perSecond);
    const floorShare = round(floorStats.perSecond / ceiling.perSecond);
    const goals: Goal[] = [
      {
        description: 'PostgreSQL verification ≥ 70% of the raw pg UPDATE ceiling',
        met: valid && share >= 0.7,
        measured:
          `${Math.round(share * 100)}% (${fmt(oursStats.perSecond)}/s of ${fmt(ceiling.perSecond)}/s, ${ceiling.name}); ` +
          `a session read and the UPDATE behind bare Fastify: ${Math.round(floorShare * 100)}% (${fmt(floorStats.perSecond)}/s)` +
          `${valid ? '' : ' (INVALID: some requests failed)'}`,
      },
    ];
    return {
      table: statsTable(stats, oursStats.name),
      data: {
        method:
          `POST /api/v1/me/verify against \`twofold serve\` with TWOFOLD_DATABASE_URL (pool 10, the default), ${CONNECTIONS} ` +
          `connections, ${SECONDS} s runs, ${ROUNDS} rounds, median. Ceiling: \`${ACCEPT_STEP}\` from this process through pg, ` +
          `${CONNECTIONS} in flight, over pools of 10 and ${CONNECTIONS} connections; the faster is the ceiling. ` +
          `Floor over HTTP: bench/bare-server.ts reading a session by its key and running that UPDATE (pool 10), ` +
          `${CONNECTIONS} connections, on authenticators of its own. ` +
          'PostgreSQL on 127.0.0.1, default settings (synchronous_commit on). Database CPU: all `postgres` processes, from /proc.',
        users: USERS,
        bulkLoad: report,
        results: stats,
        ratio: share,
        floorRatio: floorShare,
        valid,
      },
      goals,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(pools.map((p) => p.end()));
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
