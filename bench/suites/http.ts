// Second-factor verification over HTTP (issue 9, item 2). Every case gets the same load from
// autocannon in this process: 50 connections on loopback, each request a fresh valid code, and
// each server is its own child process. Cases take turns, round after round, so background load
// spreads over all of them; each figure is the median of the rounds.
//
//   twofold serve      `node bin/twofold.js serve`, SQLite synchronous=FULL (the default)
//   twofold NORMAL     the same app and database code with synchronous=NORMAL (server-entry.ts)
//   bare Fastify       one route reading the same body and answering the same JSON: the ceiling
//   better-auth        two-factor plugin, /api/auth/two-factor/verify-totp on SQLite
import { join } from 'node:path';
import { type BetterAuthPeer, betterAuthCase } from '../better-auth-peer.js';
import { bareCase, startBare, startEntry, verifyCase } from '../cases.js';
import { sqliteDataDir, TEMPLATE_USERS, templateLoadReport } from '../fixtures.js';
import {
  type Case,
  type CaseStats,
  type ChildServer,
  CONNECTIONS,
  CodePlan,
  fmt,
  type Goal,
  log,
  measureCases,
  QUICK,
  ROUNDS,
  round,
  type SuiteResult,
  sampleRss,
  startTwofold,
  statsTable,
  WARMUP_SECONDS,
} from '../harness.js';

/**
 * Short runs in rotating rounds: what moves these figures is the machine from minute to minute
 * (30% between rounds), not the count of requests (3 s is 5,000–100,000 of them); rounds in
 * rotating order spread that drift, longer runs would not. Two rounds (ROUNDS), so that a full
 * run fits ten minutes; the CPU per request, the figure to size by, drifts much less.
 */
const SECONDS = QUICK ? 2 : 3;
/** Bare Fastify's one route is compiled after a second of load; Twofold's path needs five. */
const BARE_WARMUP_SECONDS = QUICK ? 1 : 3;

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
    const bareFastify = bareCase('bare Fastify (ceiling)', bare, BARE_WARMUP_SECONDS);
    const floorCase = bareCase(
      'bare Fastify: session read + the UPDATE, no fsync (floor)',
      floor,
      BARE_WARMUP_SECONDS,
    );
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
    const stats = await measureCases([sampledServe, normalCase, bareFastify, floorCase, peer.case], {
      seconds: SECONDS,
    });
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
          `connections, loopback; ${SECONDS} s runs after a ${WARMUP_SECONDS} s warm-up (bare Fastify ${BARE_WARMUP_SECONDS} s, better-auth 2 s), ${ROUNDS} rounds, cases in ` +
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
