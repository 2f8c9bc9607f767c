// Bench databases: one bulk-loaded SQLite template per process, copied for each server so every
// server starts from the same rows with every code still unused.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bulkLoadSqlite, type LoadReport } from './bulk-load.js';
import { log, tempDir } from './harness.js';

/** Users in the template: enough fresh codes for every verify run of a suite (see CodePlan). */
export const TEMPLATE_USERS = Number(process.env.BENCH_USERS ?? 100_000);

const cleanup: string[] = [];
process.once('exit', () => {
  for (const path of cleanup) rmSync(path, { recursive: true, force: true });
});

const templates = new Map<number, Promise<{ path: string; report: LoadReport }>>();

function template(users: number): Promise<{ path: string; report: LoadReport }> {
  let made = templates.get(users);
  if (!made) {
    made = (async () => {
      const dir = tempDir(`template-${users}`);
      cleanup.push(dir.path);
      log(`bulk-loading ${users.toLocaleString('en-US')} users into SQLite`);
      const report = await bulkLoadSqlite(dir.path, users);
      log(
        `loaded in ${report.seconds.toFixed(1)} s (${Math.round(report.usersPerSecond).toLocaleString('en-US')} users/s)`,
      );
      return { path: dir.path, report };
    })();
    templates.set(users, made);
  }
  return made;
}

/** A data directory holding its own copy of the template database of `users` users. */
export async function sqliteDataDir(label: string, users = TEMPLATE_USERS): Promise<string> {
  const { path } = await template(users);
  const dir = tempDir(label);
  cleanup.push(dir.path);
  copyFileSync(join(path, 'twofold.db'), join(dir.path, 'twofold.db'));
  return dir.path;
}

export async function templateLoadReport(users = TEMPLATE_USERS): Promise<LoadReport> {
  return (await template(users)).report;
}

/** A fresh empty directory, removed when the bench exits. */
export function scratchDir(label: string): string {
  const dir = tempDir(label);
  cleanup.push(dir.path);
  return dir.path;
}
