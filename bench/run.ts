// `npm run bench [suite …]`: runs the benchmark suites (every one beside its peers by default, in
// under 10 minutes on a 2-core machine), prints each one's table, writes bench/results/<suite>.json
// with the machine it ran on, and ends with every goal and the time the run took. The two
// diagnostics, `profile` and `instructions`, measure no peer and hold no goal: they run when named.
//
// Each suite is a module of bench/suites/ that exports `run(): Promise<SuiteResult>`; nothing
// imports a suite but this file, and the suites share only the modules beside this one
// (harness.ts, cases.ts, fixtures.ts, the peers), so a suite runs alone as well as with the rest.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SuiteResult } from './harness.js';
import { duration, type SuiteOutcome, summary } from './report.js';

interface Suite {
  run(): Promise<SuiteResult>;
}

/** Run only when named: where the time goes, for whoever works on speed. */
const DIAGNOSTICS: ReadonlySet<string> = new Set(['profile', 'instructions']);

/** Add a suite here: name → module. A full run takes them in this order. */
const SUITES: Readonly<Record<string, () => Promise<Suite>>> = {
  otp: () => import('./suites/otp.js'),
  http: () => import('./suites/http.js'),
  login: () => import('./suites/login.js'),
  growth: () => import('./suites/growth.js'),
  footprint: () => import('./suites/footprint.js'),
  pg: () => import('./suites/pg.js'),
  oidc: () => import('./suites/oidc.js'),
  'forward-auth': () => import('./suites/forward-auth.js'),
  radius: () => import('./suites/radius.js'),
  profile: () => import('./suites/profile.js'),
  instructions: () => import('./suites/instructions.js'),
};

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(SUITES).filter((name) => !DIAGNOSTICS.has(name));
  const unknown = names.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown suite ${unknown.join(', ')} (known: ${Object.keys(SUITES).join(', ')})\n`,
    );
    return 2;
  }
  const started = performance.now();
  const machine = {
    cpu: lscpuModel() ?? cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGigabytes: Math.round(totalmem() / 2 ** 30),
    /** Load average when the bench started: other work on the machine skews every figure. */
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
  process.stdout.write(
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n` +
      `suites: ${names.join(' ')}${argv.length === 0 ? ' (all but the diagnostics profile and instructions: under 10 minutes on 2 cores)' : ''}\n`,
  );
  buildIfStale();
  await mkdir(resultsDir, { recursive: true });
  const outcomes: SuiteOutcome[] = [];
  for (const name of names) {
    process.stdout.write(`\n== ${name} ==\n`);
    const suite = await SUITES[name]!();
    const suiteStarted = performance.now();
    const at = {
      date: new Date().toISOString(),
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    };
    const result = await suite.run();
    const seconds = (performance.now() - suiteStarted) / 1000;
    outcomes.push({ name, seconds, goals: result.goals });
    process.stdout.write(`${result.table}\n`);
    for (const goal of result.goals) {
      process.stdout.write(`${goal.met ? 'met ' : 'MISSED'} ${goal.description}: ${goal.measured}\n`);
    }
    const file = `${resultsDir}${name}.json`;
    await writeFile(
      file,
      `${JSON.stringify(
        {
          machine: { ...machine, ...at, suiteSeconds: Math.round(seconds) },
          ...result.data,
          goals: result.goals,
          table: result.table,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`${name}: ${duration(seconds)}; wrote ${file}\n`);
  }
  process.stdout.write(`\n== summary ==\n${summary(outcomes, (performance.now() - started) / 1000)}\n`);
  return 0;
}

/**
 * The servers run from dist/ (as `twofold serve` does) while the bulk loader and the in-process
 * suites import src/: a build older than the sources would measure other code, or refuse a
 * database the loader migrated further. Builds when a source file is newer than the build.
 */
function buildIfStale(): void {
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
    return latest;
  };
  let built = 0;
  try {
    built = newest(join(repoRoot, 'dist'));
  } catch {}
  if (built >= newest(join(repoRoot, 'src'))) return;
  process.stdout.write('dist/ is older than src/: npm run build\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
}

function lscpuModel(): string | undefined {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

process.exitCode = await main(process.argv.slice(2));
