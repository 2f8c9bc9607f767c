// Instructions a verification (issue 9, profiles): servers under valgrind's callgrind, counting
// only while a fixed number of POST /api/v1/me/verify requests is answered.
//
// Time on this machine type swings by a third within the hour; an instruction count does not
// (one build counted three times came out within 2%). It is the figure to compare builds by
// when a change is smaller than the noise of the timed suites. It is not the time: it leaves
// out the kernel (system calls are a fifth of the main thread's time here) and memory stalls.
// Under callgrind a server runs ~50 times slower, so this suite counts 1,000 requests each of
// `twofold serve`, the bare Fastify route (the http suite's ceiling) and its floor.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BARE_REQUEST, startBare } from '../cases.js';
import { scratchDir, sqliteDataDir, TEMPLATE_USERS } from '../fixtures.js';
import {
  type ChildServer,
  CodePlan,
  failures,
  fmt,
  formatTable,
  type LoadResult,
  load,
  log,
  QUICK,
  repoRoot,
  type SuiteResult,
  startTwofold,
  verifyRequests,
} from '../harness.js';

/**
 * Requests before counting starts: Twofold's path is optimized by V8 after a few thousand (its
 * count a request falls until then); bare Fastify's one route after far fewer. Under callgrind
 * each request costs ~2 ms of the run.
 */
const WARMUP_REQUESTS = QUICK ? 500 : 4_000;
const BARE_WARMUP_REQUESTS = QUICK ? 500 : 2_000;
/** Counted requests: a count is a mean over them, and 1,000 keep the run short. */
const COUNTED_REQUESTS = QUICK ? 300 : 1_000;
/** How many of twofold serve's JavaScript functions the table names. */
const JAVASCRIPT_SHOWN = 12;

/** Native frames named in Twofold's breakdown: label → a pattern of callgrind's name. */
const PARTS: readonly (readonly [string, RegExp])[] = [
  ['SQLite reads (better-sqlite3 `all`, `get`)', /Statement::JS_(all|get)\(/],
  ['  of which building the rows', /Data::GetRowJS\(/],
  ['SQLite writes (`run`, and `exec` for BEGIN/COMMIT)', /Statement::JS_run\(|Database::JS_exec\(/],
  ['garbage collection', /Heap::CollectGarbage\(/],
  ['the socket writes of the answers', /StreamBase::Writev\(/],
  ['hashes (token, HMAC)', /crypto::Hash::OneShotDigest\(/],
  // In about half the runs of any build V8 leaves a literal of Node's process.nextTick on this
  // runtime path, ~23,000 instructions a request: compare counts with and without it apart.
  [
    "Node's tick objects through V8's runtime (one of two modes)",
    /Runtime_DefineKeyedOwnPropertyInLiteral\(/,
  ],
];

interface Counted {
  readonly name: string;
  /** The JavaScript functions costing the most, exclusive, a request each (twofold serve only). */
  readonly javascript: readonly (readonly [string, number])[];
  readonly requests: number;
  readonly failed: number;
  /** The main thread's instructions a request. */
  readonly main: number;
  /** The named parts of it, a request each. */
  readonly parts: ReadonlyMap<string, number>;
}

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The main thread's dump (callgrind numbers threads from 1, the main thread first). */
function mainThreadDump(dir: string): string {
  const dump = readdirSync(dir)
    .filter((file) => /^cg\.out\.1-\d+$/.test(file))
    .sort()[0];
  if (!dump) throw new Error(`callgrind wrote no dump in ${dir}`);
  return join(dir, dump);
}

/** Inclusive instructions of the named native frames. */
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
      if (pattern.test(match[2]!)) {
        found.set(label, (found.get(label) ?? 0) + Number(match[1]!.replaceAll(',', '')));
      }
    }
  }
  return found;
}

/** A JIT address range and its function, from V8's `--perf-basic-prof` map, in file order. */
interface JitCode {
  readonly start: number;
  readonly end: number;
  readonly order: number;
  readonly name: string;
}

/**
 * The exclusive instructions of V8's compiled JavaScript by function. callgrind knows JIT code
 * only by address; V8 run with `--perf-basic-prof` writes every code object's address, size and
 * name to /tmp/perf-<pid>.map. V8 reuses addresses, so the newest entry covering one wins.
 */
function javascriptByFunction(dump: string, mapFile: string): Map<string, number> {
  const codes: JitCode[] = readFileSync(mapFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, order) => {
      const [start, size, ...name] = line.split(' ');
      const from = Number.parseInt(start!, 16);
      return { start: from, end: from + Number.parseInt(size!, 16), order, name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  const nameAt = (address: number): string => {
    let low = 0;
    let high = codes.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (codes[middle]!.start <= address) low = middle + 1;
      else high = middle - 1;
    }
    let best: JitCode | undefined;
    // Code objects are small: the candidates are among the few that start just before.
    for (let i = high; i >= 0 && i > high - 200; i--) {
      const code = codes[i]!;
      if (code.start <= address && address < code.end && (!best || code.order > best.order)) best = code;
    }
    return best?.name ?? '(unnamed JIT code)';
  };
  const annotated = execFileSync('callgrind_annotate', ['--threshold=100', dump], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const found = new Map<string, number>();
  for (const line of annotated.split('\n')) {
    const match = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(line);
    if (!match) continue;
    const name = nameAt(Number.parseInt(match[2]!, 16))
      .replace(`file://${repoRoot}`, '')
      .replace(repoRoot, '');
    found.set(name, (found.get(name) ?? 0) + Number(match[1]!.replaceAll(',', '')));
  }
  return found;
}

/**
 * Starts a server under callgrind with counting off, warms it up, and counts its main thread
 * while `COUNTED_REQUESTS` requests are answered.
 */
async function count(
  name: string,
  start: (wrapper: readonly string[]) => Promise<ChildServer>,
  requests: (server: ChildServer, amount: number) => Promise<LoadResult>,
  warmupRequests = WARMUP_REQUESTS,
): Promise<Counted> {
  const outDir = scratchDir('callgrind');
  const server = await start([
    'valgrind',
    '--tool=callgrind',
    // Counting starts when the warm-up is over (callgrind_control --instr=on).
    '--instr-atstart=no',
    '--separate-threads=yes',
    // V8 writes and rewrites machine code in memory.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(outDir, 'cg.out')}`,
  ]);
  const pid = String(server.process.pid);
  let counted: LoadResult;
  try {
    log(`${name}: ${fmt(warmupRequests)} requests uncounted, then ${fmt(COUNTED_REQUESTS)} counted`);
    await requests(server, warmupRequests);
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
    counted = await requests(server, COUNTED_REQUESTS);
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
  } finally {
    await server.stop();
  }
  if (counted.ok === 0) throw new Error(`${name}: no request was answered`);
  const dump = mainThreadDump(outDir);
  const total = /^totals:\s+(\d+)/m.exec(readFileSync(dump, 'utf8'));
  const perRequest = (n: number) => Math.round(n / counted.ok);
  const mapFile = `/tmp/perf-${server.process.pid}.map`;
  const javascript = existsSync(mapFile)
    ? [...javascriptByFunction(dump, mapFile)]
        .sort((a, b) => b[1] - a[1])
        .slice(0, JAVASCRIPT_SHOWN)
        .map(([fn, n]) => [fn, perRequest(n)] as const)
    : [];
  rmSync(mapFile, { force: true });
  return {
    name,
    javascript,
    requests: counted.ok,
    failed: failures(counted),
    main: perRequest(Number(total?.[1] ?? 0)),
    parts: new Map([...parts(dump)].map(([label, n]) => [label, perRequest(n)])),
  };
}

const underCallgrind = { timeoutMillis: 300_000 };

export async function run(): Promise<SuiteResult> {
  if (!hasValgrind()) {
    const why = 'valgrind is not installed (Debian package valgrind); nothing was counted';
    log(why);
    return { table: why, data: { skipped: why }, goals: [] };
  }
  const plan = new CodePlan({ from: 0, count: TEMPLATE_USERS });
  const twofold = await count(
    'twofold serve',
    async (wrapper) =>
      startTwofold('twofold serve under callgrind', await sqliteDataDir('instructions'), {
        wrapper,
        // Names the JIT code (javascriptByFunction); it costs only when code is made.
        nodeArgs: ['--perf-basic-prof'],
        ...underCallgrind,
      }),
    (server, amount) =>
      load({
        url: server.url,
        path: '/api/v1/me/verify',
        build: verifyRequests(plan),
        amount,
        timeoutSeconds: 60,
      }),
  );
  const bareLoad = (server: ChildServer, amount: number) =>
    load({ url: server.url, ...BARE_REQUEST, amount, timeoutSeconds: 60 });
  const bare = await count(
    'bare Fastify (ceiling)',
    (wrapper) => startBare({}, { wrapper, ...underCallgrind }),
    bareLoad,
    BARE_WARMUP_REQUESTS,
  );
  const floor = await count(
    'bare Fastify: session read + the UPDATE, no fsync (floor)',
    async (wrapper) =>
      startBare(
        {
          SQLITE_FILE: join(await sqliteDataDir('instructions-floor'), 'twofold.db'),
          FLOOR_FROM: '0',
          FLOOR_COUNT: String(TEMPLATE_USERS),
        },
        { wrapper, ...underCallgrind },
      ),
    bareLoad,
    BARE_WARMUP_REQUESTS,
  );
  const all = [twofold, bare, floor];
  const rows: string[][] = [['main thread, instructions a request', ...all.map((c) => c.name)]];
  rows.push(['in all', ...all.map((c) => fmt(c.main))]);
  rows.push(['twofold serve ÷ this', ...all.map((c) => `${(twofold.main / c.main).toFixed(2)}×`)]);
  for (const [label] of PARTS) rows.push([`  ${label}`, ...all.map((c) => fmt(c.parts.get(label) ?? 0))]);
  const failed = all.filter((c) => c.failed > 0);
  const javascript = formatTable([
    ['twofold serve: JavaScript by function (exclusive)', 'instructions a request'],
    ...twofold.javascript.map(([fn, n]) => [fn, fmt(n)]),
  ]);
  return {
    table:
      `${formatTable(rows)}\n${fmt(COUNTED_REQUESTS)} requests counted each` +
      (failed.length > 0 ? ` (INVALID: requests failed on ${failed.map((c) => c.name).join(', ')})` : '') +
      `\n\n${javascript}`,
    data: {
      method:
        `valgrind --tool=callgrind; ${TEMPLATE_USERS.toLocaleString('en-US')} users; ${fmt(WARMUP_REQUESTS)} requests ` +
        `uncounted (bare Fastify ${fmt(BARE_WARMUP_REQUESTS)}), then ${fmt(COUNTED_REQUESTS)} counted at 50 connections; the main thread only (V8's compiler ` +
        'threads work far more under callgrind than in a real run). Native frames by inclusive count; JavaScript ' +
        "compiled by V8 by exclusive count, named from V8's --perf-basic-prof map.",
      servers: all.map((c) => ({
        name: c.name,
        requests: c.requests,
        failed: c.failed,
        mainThread: c.main,
        javascript: Object.fromEntries(c.javascript),
        parts: Object.fromEntries([...c.parts].map(([label, n]) => [label.trim(), n])),
      })),
    },
    goals: [],
  };
}
