// `npm run bench [suite …]`: runs the benchmark suites (all by default), prints each one's table,
// writes bench/results/<suite>.json with the machine it ran on, and regenerates
// docs/performance.md from every results file there.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

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

interface Suite {
  run(): Promise<SuiteResult>;
}

/** Add a suite here: name → module. */
const SUITES: Readonly<Record<string, () => Promise<Suite>>> = {
  otp: () => import('./otp.js'),
  http: () => import('./http.js'),
  login: () => import('./login.js'),
  growth: () => import('./growth.js'),
  footprint: () => import('./footprint.js'),
  pg: () => import('./pg.js'),
  profile: () => import('./profile.js'),
  instructions: () => import('./instructions.js'),
  oidc: () => import('./oidc.js'),
};

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(SUITES);
  const unknown = names.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown suite ${unknown.join(', ')} (known: ${Object.keys(SUITES).join(', ')})\n`,
    );
    return 2;
  }
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
  process.stdout.write(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n`);
  await mkdir(resultsDir, { recursive: true });
  for (const name of names) {
    process.stdout.write(`\n== ${name} ==\n`);
    const suite = await SUITES[name]!();
    const started = {
      date: new Date().toISOString(),
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    };
    const result = await suite.run();
    process.stdout.write(`${result.table}\n`);
    for (const goal of result.goals) {
      process.stdout.write(`${goal.met ? 'met ' : 'MISSED'} ${goal.description}: ${goal.measured}\n`);
    }
    const file = `${resultsDir}${name}.json`;
    await writeFile(
      file,
      `${JSON.stringify({ machine: { ...machine, ...started }, ...result.data, goals: result.goals, table: result.table }, null, 2)}\n`,
    );
    process.stdout.write(`wrote ${file}\n`);
  }
  const { writePerformanceDoc } = await import('./report.js');
  process.stdout.write(`wrote ${await writePerformanceDoc()}\n`);
  return 0;
}

function lscpuModel(): string | undefined {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

process.exitCode = await main(process.argv.slice(2));
