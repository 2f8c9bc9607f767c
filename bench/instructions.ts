// Instructions a verification (issue 9, profiles): `twofold serve` under valgrind's callgrind,
// counting only while a fixed number of POST /api/v1/me/verify requests is answered.
//
// Time on this machine type swings by a third within the hour; an instruction count does not
// (the same build counted twice differed by under 1%). It is the figure to compare two builds
// by when a change is smaller than the noise of the timed suites. It is not the time: it leaves
// out the kernel (system calls are a fifth of the main thread's time here) and memory stalls.
// Under callgrind the server runs ~50 times slower, so this suite counts 2,000 verifications.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir, sqliteDataDir, TEMPLATE_USERS } from './fixtures.js';
import { CodePlan, fmt, formatTable, load, log, startTwofold, verifyRequests } from './harness.js';
import { QUICK } from './http.js';
import type { SuiteResult } from './run.js';

const WARMUP_REQUESTS = QUICK ? 500 : 3_000;
const COUNTED_REQUESTS = QUICK ? 300 : 2_000;

/** Native frames named in the main thread's breakdown: label → a pattern of callgrind's name. */
const PARTS: readonly (readonly [string, RegExp])[] = [
  ['SQLite reads (better-sqlite3 `all`)', /Statement::JS_all\(/],
  ['  of which building the rows', /Data::GetRowJS\(/],
  ['SQLite writes (`run`, and `exec` for BEGIN/COMMIT)', /Statement::JS_run\(|Database::JS_exec\(/],
  ['garbage collection', /Heap::CollectGarbage\(/],
  ['the socket writes of the answers', /StreamBase::Writev\(/],
  ['hashes (token, HMAC)', /crypto::Hash::OneShotDigest\(/],
];

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Each thread's instruction total in a callgrind dump directory, main thread first. */
function threadTotals(dir: string): { file: string; instructions: number }[] {
  return readdirSync(dir)
    .filter((file) => /^cg\.out\.1-\d+$/.test(file))
    .sort()
    .map((file) => {
      const total = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
      return { file, instructions: total ? Number(total[1]) : 0 };
    });
}

/** Inclusive instructions of the named native frames in one thread's dump. */
function parts(file: string): Map<string, number> {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const found = new Map<string, number>();
  for (const line of annotated.split('\n')) {
    const match = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!match) continue;
    for (const [label, pattern] of PARTS) {
      const count = Number(match[1]!.replaceAll(',', ''));
      if (pattern.test(match[2]!)) found.set(label, (found.get(label) ?? 0) + count);
    }
  }
  return found;
}

export async function run(): Promise<SuiteResult> {
  if (!hasValgrind()) {
    const why = 'valgrind is not installed (Debian package valgrind); nothing was counted';
    log(why);
    return { table: why, data: { skipped: why }, goals: [] };
  }
  const dataDir = await sqliteDataDir('instructions');
  const outDir = scratchDir('callgrind');
  const server = await startTwofold('twofold serve under callgrind', dataDir, {
    wrapper: [
      'valgrind',
      '--tool=callgrind',
      // Counting starts when the warm-up is over (callgrind_control -i on).
      '--instr-atstart=no',
      '--separate-threads=yes',
      // V8 writes and rewrites machine code in memory.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${join(outDir, 'cg.out')}`,
    ],
    timeoutMillis: 300_000,
  });
  const pid = String(server.process.pid);
  let counted: Awaited<ReturnType<typeof load>>;
  try {
    const build = verifyRequests(new CodePlan({ from: 0, count: TEMPLATE_USERS }));
    const request = { url: server.url, path: '/api/v1/me/verify', build, timeoutSeconds: 60 };
    log(`warming up: ${fmt(WARMUP_REQUESTS)} verifications`);
    await load({ ...request, amount: WARMUP_REQUESTS });
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
    counted = await load({ ...request, amount: COUNTED_REQUESTS });
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
  } finally {
    await server.stop();
  }
  const failed = counted.non2xx + counted.errors + counted.timeouts;
  const answered = counted.ok;
  const threads = threadTotals(outDir);
  const [main, ...others] = threads;
  if (!main || answered === 0) throw new Error('callgrind wrote no counts for the main thread');
  const perVerification = (n: number) => Math.round(n / answered);
  const mainParts = parts(join(outDir, main.file));
  const otherThreads = others.reduce((sum, t) => sum + t.instructions, 0);
  const rows: string[][] = [['instructions a verification', 'count', 'share of main']];
  rows.push(['main thread', fmt(perVerification(main.instructions)), '100%']);
  for (const [label] of PARTS) {
    const count = mainParts.get(label) ?? 0;
    rows.push([
      `  ${label}`,
      fmt(perVerification(count)),
      `${Math.round((100 * count) / main.instructions)}%`,
    ]);
  }
  rows.push([
    'other threads (V8 compiler and GC helpers, checkpointer, pool)',
    fmt(perVerification(otherThreads)),
    '',
  ]);
  const valid = failed === 0;
  return {
    table: `${formatTable(rows)}\n${fmt(answered)} verifications counted${valid ? '' : ` (INVALID: ${failed} failed)`}`,
    data: {
      method:
        `valgrind --tool=callgrind on \`twofold serve\` (npm start's flags), ${TEMPLATE_USERS.toLocaleString('en-US')} users; ` +
        `${fmt(WARMUP_REQUESTS)} verifications uncounted, then ${fmt(COUNTED_REQUESTS)} counted at 50 connections. ` +
        'Native frames by inclusive count; JavaScript compiled by V8 has no names here.',
      verifications: answered,
      failed,
      mainThread: perVerification(main.instructions),
      mainThreadParts: Object.fromEntries(
        [...mainParts].map(([label, n]) => [label.trim(), perVerification(n)]),
      ),
      // V8's compiler threads work far more under callgrind than in a real run (there ~5% of the
      // main thread's CPU): kept for the record, not shown.
      otherThreads: perVerification(otherThreads),
    },
    goals: [],
  };
}
