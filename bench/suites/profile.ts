// CPU profiles of the two HTTP hot paths (issue 9, deliverables): `twofold serve` under
// `node --cpu-prof`, once under verify load and once under login load. The profiles are written
// to bench/results/{verify,login}.cpuprofile (open them in Chrome DevTools; not committed), and
// the samples taken during the load are summarized: top functions by self time and self time
// by package.
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loginCase, verifyCase } from '../cases.js';
import { type ProfileSummary, summarizeProfile } from '../cpu-profile.js';
import { scratchDir, sqliteDataDir, TEMPLATE_USERS } from '../fixtures.js';
import {
  type Case,
  CodePlan,
  describeRun,
  formatTable,
  LOGIN_WARMUP_SECONDS,
  type LoadResult,
  log,
  QUICK,
  resultsDir,
  type SuiteResult,
  startTwofold,
} from '../harness.js';

const WARMUP_SECONDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 5;

async function profiled(
  label: 'verify' | 'login',
  makeCase: (server: Awaited<ReturnType<typeof startTwofold>>) => Case,
  warmupSeconds: number,
): Promise<{ run: LoadResult; summary: ProfileSummary; file: string }> {
  const dataDir = await sqliteDataDir(`profile-${label}`);
  const profileDir = scratchDir(`cpuprofile-${label}`);
  const spawned = performance.now();
  const server = await startTwofold(`twofold serve --cpu-prof (${label})`, dataDir, {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  });
  const c = makeCase(server);
  await c.measure(warmupSeconds);
  const from = performance.now() - spawned;
  const run = await c.measure(SECONDS);
  const to = performance.now() - spawned;
  log(`profiled ${label}: ${describeRun(run)}`);
  await server.stop();
  const written = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!written) throw new Error(`no profile was written for ${label}`);
  const file = join(resultsDir, `${label}.cpuprofile`);
  rmSync(file, { force: true });
  renameSync(join(profileDir, written), file);
  // The profile starts a little after the spawn; the window is trimmed by half a second each side.
  return { run, summary: summarizeProfile(file, 20, from + 500, to - 500), file };
}

function describe(label: string, p: { run: LoadResult; summary: ProfileSummary }): string {
  const rows: string[][] = [[`${label}: top self time (${describeRun(p.run)})`, 'self %']];
  for (const f of p.summary.topFunctions.slice(0, 12)) rows.push([f.frame, `${f.selfShare}`]);
  rows.push(['— by package —', '']);
  for (const a of p.summary.byArea.slice(0, 10)) rows.push([a.area, `${a.selfShare}`]);
  return formatTable(rows);
}

export async function run(): Promise<SuiteResult> {
  const verify = await profiled(
    'verify',
    (server) => verifyCase('verify', server, new CodePlan({ from: 0, count: TEMPLATE_USERS })),
    WARMUP_SECONDS,
  );
  const login = await profiled(
    'login',
    (server) => loginCase(server, new CodePlan({ from: 0, count: TEMPLATE_USERS })),
    LOGIN_WARMUP_SECONDS,
  );
  return {
    table: `${describe('POST /api/v1/me/verify', verify)}\n\n${describe('POST /api/v1/login', login)}`,
    data: {
      method:
        `node --cpu-prof bin/twofold.js serve; ${WARMUP_SECONDS} s warm-up (login: ${LOGIN_WARMUP_SECONDS} s), then ${SECONDS} s of load at 50 connections; ` +
        'only the samples taken during the load (less 0.5 s each side) are summarized. Self time: time spent in the ' +
        'function itself (native code of better-sqlite3 included in its JS wrapper).',
      verify: {
        perSecond: Math.round(verify.run.perSecond),
        ...verify.summary,
        file: 'bench/results/verify.cpuprofile',
      },
      login: {
        perSecond: Math.round(login.run.perSecond),
        ...login.summary,
        file: 'bench/results/login.cpuprofile',
      },
    },
    goals: [],
  };
}
