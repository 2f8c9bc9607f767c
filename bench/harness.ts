// The measurement code every suite shares: what a suite answers, child servers, load runs with
// autocannon, fresh TOTP codes per request, cases measured in rotating rounds, CPU time and
// resident memory, medians and tables. It imports no suite: suites (bench/suites/) import it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateTotp } from '../src/otp/index.js';
import { jsonPost, RawHttpConnection } from './raw-http.js';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

// ---- what a suite answers (bench/run.ts runs `run()` of each) -------------------------------

/** What every suite module exports: `export async function run(): Promise<SuiteResult>`. */
export interface SuiteResult {
  /** Printed under the suite's heading. */
  readonly table: string;
  /** Written to bench/results/<suite>.json, beside `machine`. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The suite's speed goals and whether this run met them. */
  readonly goals: readonly Goal[];
}

export interface Goal {
  readonly description: string;
  readonly met: boolean;
  /** The measured figure, e.g. "1.52×". */
  readonly measured: string;
}

/** `BENCH_QUICK=1` shortens every run, to try a suite out; its figures are not the report's. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Load-generator connections for every HTTP case (issue 9). */
export const CONNECTIONS = 50;
export const PERIOD_MILLIS = 30_000;
/** The master key of every bench database (base64, 32 bytes); bench data is throwaway. */
export const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

// ---- deterministic users: the loader and the load generator derive the same values ----------

const derive = (label: string, index: number): Buffer =>
  createHmac('sha256', `twofold-bench:${label}`).update(String(index)).digest();

/** The API token of bench user `index`: 32 bytes base64url, like `randomToken()`. */
export const benchToken = (index: number): string => derive('token', index).toString('base64url');
/** The 20-byte TOTP secret of bench user `index`. */
export const benchSecret = (index: number): Buffer => derive('secret', index).subarray(0, 20);
export const benchUsername = (index: number): string => `user${index}`;
/** Every bench user's password (one precomputed argon2id hash in the database). */
export const BENCH_PASSWORD = 'correct horse battery staple';

// ---- statistics and tables ------------------------------------------------------------------

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const round = (value: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
        .join('  '),
    )
    .join('\n');
}

export const log = (message: string): void => {
  process.stderr.write(`  · ${message}\n`);
};

// ---- child processes ------------------------------------------------------------------------

export interface ChildServer {
  readonly name: string;
  readonly port: number;
  readonly process: ChildProcess;
  readonly url: string;
  /** Milliseconds from spawn to the first 200 from `healthPath`. */
  readonly startMillis: number;
  stop(): Promise<void>;
}

let nextPort = 18_400;
export const freePort = (): number => nextPort++;

export interface StartOptions {
  readonly name: string;
  /** Arguments to `node`. */
  readonly args: readonly string[];
  /** A command that runs node, with its own arguments first (e.g. valgrind and its options). */
  readonly wrapper?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly port: number;
  readonly healthPath?: string;
  readonly timeoutMillis?: number;
}

/** Whether something already listens on a loopback port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startServer(options: StartOptions): Promise<ChildServer> {
  // A server left running by an aborted run would answer the health check in this one's place,
  // and the run would measure it.
  if (await portTaken(options.port)) {
    throw new Error(
      `port ${options.port} is already taken (a server left from an earlier run?); stop it and run again`,
    );
  }
  const started = performance.now();
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...options.args];
  const child = spawn(command!, commandArgs, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = started + (options.timeoutMillis ?? 60_000);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`${options.name} exited with ${code} before it answered:\n${output}`)),
    ),
  );
  for (;;) {
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not answer within the time limit:\n${output}`);
    }
    const ok = await Promise.race([
      fetch(`${url}${options.healthPath ?? '/healthz'}`).then(
        (r) => r.status === 200,
        () => false,
      ),
      exited,
    ]);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startMillis = performance.now() - started;
  return {
    name: options.name,
    port: options.port,
    process: child,
    url,
    startMillis,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The Twofold environment for a data directory (and optionally PostgreSQL). */
export function twofoldEnv(dataDir: string, port: number, databaseUrl?: string): Record<string, string> {
  return {
    TWOFOLD_DATA_DIR: dataDir,
    TWOFOLD_PORT: String(port),
    TWOFOLD_MASTER_KEY: MASTER_KEY,
    TWOFOLD_LOG_LEVEL: 'warn',
    ...(databaseUrl ? { TWOFOLD_DATABASE_URL: databaseUrl } : {}),
  };
}

/** `npm start` (package.json), so the bench runs the server as users do. */
const START_WORDS: readonly string[] = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  }
).scripts.start.split(' ');
/** Its node flags. */
export const START_FLAGS = START_WORDS.filter((word) => word.startsWith('--'));
/** Its environment variables (`NAME=value` before `node`). */
export const START_ENV: Record<string, string> = Object.fromEntries(
  START_WORDS.slice(0, START_WORDS.indexOf('node'))
    .map((word) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(word))
    .filter((match) => match !== null)
    .map((match) => [match[1]!, match[2]!]),
);

/** `node bin/twofold.js serve` with `npm start`'s flags, from the compiled build. */
export function startTwofold(
  name: string,
  dataDir: string,
  options: {
    databaseUrl?: string;
    nodeArgs?: readonly string[];
    wrapper?: readonly string[];
    timeoutMillis?: number;
    /** More settings, e.g. TWOFOLD_RADIUS_PORT. */
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name,
    args: [...START_FLAGS, ...(options.nodeArgs ?? []), 'bin/twofold.js', 'serve'],
    env: { ...START_ENV, ...twofoldEnv(dataDir, port, options.databaseUrl), ...options.env },
    port,
    wrapper: options.wrapper,
    timeoutMillis: options.timeoutMillis,
  });
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMegabytes(pid: number): number {
  return statusMegabytes(pid, 'VmRSS');
}

function statusMegabytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * The peak of a process's resident set from now until stopped: the kernel's high-water mark
 * (VmHWM), reset at the start through `/proc/<pid>/clear_refs`. Sampling VmRSS every 100 ms
 * missed the top of short peaks by 1–3 MB: two argon2 hashes map 19 MiB each for ~15 ms.
 * Where the mark cannot be reset, it samples as before.
 */
export function sampleRss(pid: number): () => number {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return () => statusMegabytes(pid, 'VmHWM');
  } catch {
    let peak = 0;
    const timer = setInterval(() => {
      try {
        peak = Math.max(peak, rssMegabytes(pid));
      } catch {}
    }, 100);
    return () => {
      clearInterval(timer);
      return Math.max(peak, rssMegabytes(pid));
    };
  }
}

export function tempDir(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `twofold-bench-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// ---- fresh codes ----------------------------------------------------------------------------

/**
 * Hands out (user, code) pairs that the server must accept: each user's codes in increasing
 * time steps, never one at or below a step already sent (the replay rule), and never an old
 * step that a boundary could push out of the ±1 window while the request is in flight (so a
 * code is for the current or the next step). Users are taken round-robin, so with far more
 * users than connections no user has two requests in flight.
 */
export class CodePlan {
  readonly #lastStep: Float64Array;
  readonly #secrets: (Buffer | undefined)[];
  #cursor = 0;
  exhausted = 0;

  constructor(
    /** Bench user indexes this plan uses. */
    readonly users: readonly number[] | { readonly from: number; readonly count: number },
    /** The clock the server reads (the system clock, or the bench clock of server-entry.ts). */
    readonly now: () => number = Date.now,
    /**
     * 0: codes for the current step (or the next); 1: only for the next step, which stays valid
     * for two more steps — for a fast bench clock, where a step is shorter than a slow answer.
     */
    readonly lead: 0 | 1 = 0,
  ) {
    const count = Array.isArray(users) ? users.length : (users as { count: number }).count;
    this.#lastStep = new Float64Array(count);
    this.#secrets = new Array(count);
  }

  get size(): number {
    return this.#lastStep.length;
  }

  userAt(slot: number): number {
    const users = this.users;
    return Array.isArray(users) ? users[slot]! : (users as { from: number }).from + slot;
  }

  /**
   * The next user and a code the server will accept now. When every user has used the steps the
   * window allows (the server outran the plan), it hands out a replayed code, which the server
   * refuses and the run reports as a failure.
   */
  next(): { user: number; code: string } | undefined {
    const current = Math.floor(this.now() / PERIOD_MILLIS);
    for (let tries = 0; tries < this.size; tries++) {
      const slot = this.#cursor;
      this.#cursor = (this.#cursor + 1) % this.size;
      const step = Math.max(this.#lastStep[slot]! + 1, current + this.lead);
      if (step > current + 1) continue;
      this.#lastStep[slot] = step;
      const user = this.userAt(slot);
      let secret = this.#secrets[slot];
      if (!secret) {
        secret = benchSecret(user);
        this.#secrets[slot] = secret;
      }
      return { user, code: generateTotp({ secret, atMillis: step * PERIOD_MILLIS }) };
    }
    this.exhausted++;
    const slot = this.#cursor;
    this.#cursor = (this.#cursor + 1) % this.size;
    const user = this.userAt(slot);
    return {
      user,
      code: generateTotp({ secret: benchSecret(user), atMillis: this.#lastStep[slot]! * PERIOD_MILLIS }),
    };
  }
}

// ---- load -----------------------------------------------------------------------------------

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly perSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Requests with no answer, timeouts included (autocannon counts a timeout as an error too). */
  readonly errors: number;
  readonly timeouts: number;
  /** Answers other than 2xx by status, e.g. `{ 401: 12 }`: what a failed run failed with. */
  readonly refusals?: Readonly<Record<string, number>>;
  readonly p50Millis: number;
  readonly p99Millis: number;
  readonly seconds: number;
}

/** A load run of our own making (not autocannon) as a LoadResult: rate and latency percentiles. */
export function loadResult(
  counts: { readonly ok: number; readonly non2xx: number; readonly errors: number },
  latencies: number[],
  seconds: number,
): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    perSecond: counts.ok / seconds,
    ...counts,
    timeouts: 0,
    p50Millis: latencies[latencies.length >> 1] ?? 0,
    p99Millis: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    seconds,
  };
}

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  /** Builds each request (fresh code, token); the default sends `body` unchanged. */
  readonly build?: () => { headers?: Record<string, string>; body?: string } | undefined;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly seconds?: number;
  /** Stop after this many requests instead of after `seconds`. */
  readonly amount?: number;
  /** Seconds before an unanswered request counts as a timeout; 10 by default. */
  readonly timeoutSeconds?: number;
  readonly connections?: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const baseHeaders = { 'content-type': 'application/json', ...options.headers };
  const build = options.build;
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? CONNECTIONS,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 5 }),
    timeout: options.timeoutSeconds ?? 10,
    requests: [
      {
        method: options.method ?? ('POST' as const),
        path: options.path,
        headers: baseHeaders,
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(build
          ? {
              setupRequest: (request: autocannon.Request): autocannon.Request => {
                const built = build();
                if (!built) throw new Error('the bench ran out of valid codes: add users');
                return {
                  ...request,
                  headers: { ...baseHeaders, ...built.headers },
                  ...(built.body === undefined ? {} : { body: built.body }),
                };
              },
            }
          : {}),
      },
    ],
  });
  const seconds = result.duration;
  const ok = result['2xx'];
  const refusals = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, stats]) => [status, stats?.count ?? 0] as const);
  return {
    perSecond: ok / seconds,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(refusals.length > 0 ? { refusals: Object.fromEntries(refusals) } : {}),
    p50Millis: result.latency.p50,
    p99Millis: result.latency.p99,
    seconds,
  };
}

export const failures = (r: LoadResult): number => r.non2xx + r.errors;

/** POST /api/v1/me/verify requests for a plan: one fresh code and the user's token each. */
export function verifyRequests(plan: CodePlan): () => { headers: Record<string, string>; body: string } {
  return () => {
    const next = plan.next();
    if (!next) throw new Error('the bench ran out of valid codes: add users');
    return {
      headers: { authorization: `Bearer ${benchToken(next.user)}` },
      body: `{"otp":"${next.code}"}`,
    };
  };
}

/** A short summary of a load run for tables. */
export function describeRun(r: LoadResult): string {
  return `${fmt(r.perSecond)}/s p99 ${round(r.p99Millis, 1)} ms${failures(r) ? ` FAILED ${failures(r)}${failureKinds(r)}` : ''}`;
}

/** ` (401 ×12, 2 errors)`: what the failures of a run were. */
function failureKinds(r: LoadResult): string {
  const kinds = [
    ...Object.entries(r.refusals ?? {}).map(([status, count]) => `${status} ×${count}`),
    ...(r.errors > r.timeouts ? [`${r.errors - r.timeouts} errors`] : []),
    ...(r.timeouts > 0 ? [`${r.timeouts} timeouts`] : []),
  ];
  return kinds.length > 0 ? ` (${kinds.join(', ')})` : '';
}

/** The clock of a server started with `BENCH_CLOCK=<t0>,<speed>` (server-entry.ts). */
export function benchClockNow(t0: number, speed: number): () => number {
  return () => t0 + (Date.now() - t0) * speed;
}

/**
 * better-auth's TOTP secret for bench user `index`: 32 characters like its own
 * `generateRandomString(32)`, used as UTF-8 key bytes as better-auth does.
 */
export const betterAuthSecret = (index: number): string =>
  derive('better-auth', index).toString('hex').slice(0, 32);

/**
 * A closed-loop load like autocannon's (`connections` keep-alive connections, each sending its
 * next request when the last is answered), but each connection from its own loopback address
 * (127.0.0.2, .3, …): `connections` clients on as many machines, as far as the server can tell.
 * Over `RawHttpConnection`, which costs the shared CPU far less than `http.request`.
 * For login, whose per-address throttle counts attempts in flight.
 */
export async function loadFromAddresses(options: {
  readonly url: string;
  readonly path: string;
  readonly seconds: number;
  readonly build: () => { body: string } | undefined;
  readonly connections?: number;
}): Promise<LoadResult> {
  const target = new URL(options.url);
  const connections = options.connections ?? CONNECTIONS;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const latencies: number[] = [];
  const worker = async (index: number) => {
    const connection = new RawHttpConnection(target.hostname, Number(target.port), `127.0.0.${2 + index}`);
    try {
      while (performance.now() < end) {
        const built = options.build();
        if (!built) throw new Error('the bench ran out of valid codes: add users');
        const t = performance.now();
        const status = await connection.send(jsonPost(target.host, options.path, built.body));
        // Only answers that arrive within the run count, as with autocannon.
        if (performance.now() > end) break;
        latencies.push(performance.now() - t);
        if (status >= 200 && status < 300) ok++;
        else if (status === 0) errors++;
        else non2xx++;
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(i)));
  return loadResult({ ok, non2xx, errors }, latencies, options.seconds);
}

/**
 * CPU time a process has used (user + system, all its threads), in seconds, from /proc. CPU time
 * per request barely moves when other work shares the machine, unlike requests per second.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), counted from the state field (3): utime, stime in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU time this process has used (user + system, all its threads), in seconds. */
export function ownCpuSeconds(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}

/**
 * CPU time of every process named `command` (e.g. `postgres`: the backends, the WAL writer, the
 * checkpointer), in seconds, from /proc: what a database server spends on the load beside ours.
 * With each one's reaped children (cutime, cstime): a backend that exits during a run (an idle
 * pool connection closing) leaves the sum, and its CPU reappears in the postmaster's.
 */
export function commandCpuSeconds(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime (proc(5) fields 14-17), in clock ticks.
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

/**
 * Waits until a server has finished the work a run left it: a load generator stops sending at
 * the end of a run, but the server still answers what it had queued (better-auth: up to ~3 s
 * of scrypt), which would otherwise run during the next case's measurement. Idle means under
 * 5% of a core over 200 ms; gives up after 20 s.
 */
export async function settle(pid: number): Promise<void> {
  const deadline = performance.now() + 20_000;
  let before = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpuSeconds(pid);
    if (now - before < 0.01) return;
    before = now;
  }
}

// ---- cases measured side by side ------------------------------------------------------------

/**
 * Rounds of every case, in rotating order; each figure is the median of the rounds. Two, so that
 * every suite fits a full run in ten minutes; a case's CPU per request, the figure to size by,
 * varied less between rounds than its requests per second did.
 */
export const ROUNDS = 2;
/** Seconds of load a case gets in each round. */
export const SECONDS = QUICK ? 2 : 5;
/**
 * A fresh server answers its first second of load at a third of its later rate while V8 compiles
 * the path: in 1 s windows, 1,054, 566, 358, then ~320 µs of CPU a verification from the fourth
 * second on (1,000 users; 100,000 alike). Two seconds left the tail of that in the first round.
 */
export const WARMUP_SECONDS = QUICK ? 1 : 5;

/**
 * Long enough for V8 to optimize the login path. It compiles a function with TurboFan after
 * thousands of calls, which the verify load makes in a second and the login load, at ~110 a
 * second, in about 30 s: until then much of the login's JavaScript runs in the baseline tier and
 * the compiler threads work beside it. Measured in 5 s windows on a fresh server: the main
 * thread's CPU per login fell from 2.2 ms to ~1.5 ms by 30 s, then held. A server under
 * sustained login load runs optimized code; so does the measurement.
 */
export const LOGIN_WARMUP_SECONDS = QUICK ? 3 : 30;

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
  /**
   * This case's warm-up, where it needs another than the suite's: a native ceiling has no
   * JavaScript to compile, a login path needs far longer.
   */
  readonly warmupSeconds?: number;
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
    const warmup = c.warmupSeconds ?? options.warmupSeconds ?? WARMUP_SECONDS;
    const warm = await c.measure(warmup);
    log(`warm-up ${c.name} (${warmup} s): ${describeRun(warm)}`);
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
