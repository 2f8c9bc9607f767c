// Fills a Twofold database with bench users fast: each user gets an argon2id password hash (one
// precomputed for all), an active TOTP authenticator (secret sealed as Twofold seals it) and an
// API login session (stage `full`, second factor just proven), all derived from the user's index
// (harness.ts) so the load generator needs to keep nothing but the index.
//
//   node --import tsx bench/bulk-load.ts <data-dir> <users>       (SQLite, <data-dir>/twofold.db)
//   node --import tsx bench/bulk-load.ts postgres://… <users>
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { verifyMasterKey } from '../src/core/index.js';
import { hashPassword, Keyring } from '../src/security/index.js';
import { migrateToLatest, openDatabase, Store } from '../src/store/index.js';
import { AUTHENTICATOR_COLUMNS, type Row, rowChunks, SESSION_COLUMNS, USER_COLUMNS } from './bulk-rows.js';
import { BENCH_PASSWORD, MASTER_KEY } from './harness.js';

/** Creates the schema the way the server does (migrations, master-key check). */
async function prepareSchema(target: { databaseUrl?: string; dataDir: string }): Promise<void> {
  const keyring = Keyring.fromKeys([Buffer.from(MASTER_KEY, 'base64')]);
  const database = openDatabase(target);
  try {
    await migrateToLatest(database.db);
    await verifyMasterKey(new Store(database.db), keyring);
  } finally {
    await database.db.destroy();
  }
}

export interface LoadReport {
  readonly users: number;
  readonly seconds: number;
  readonly usersPerSecond: number;
}

/** Bench users `from` … `from + count - 1` into `<dataDir>/twofold.db`. */
export async function bulkLoadSqlite(dataDir: string, count: number, from = 0): Promise<LoadReport> {
  const started = performance.now();
  await prepareSchema({ dataDir });
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const db = new SQLite(join(dataDir, 'twofold.db'));
  // Safe only because a failed load is thrown away: no journal and no fsync; the kernel writes
  // the file back on its own. (Flushing it before the growth suite measured made no difference
  // there.)
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('foreign_keys = OFF');
  const insert = (table: string, columns: readonly string[]) =>
    db.prepare(`insert into ${table} (${columns.join(',')}) values (${columns.map(() => '?').join(',')})`);
  const users = insert('users', USER_COLUMNS);
  const authenticators = insert('authenticators', AUTHENTICATOR_COLUMNS);
  const sessions = insert('sessions', SESSION_COLUMNS);
  const insertAll = db.transaction((rows: readonly Row[]) => {
    for (const row of rows) {
      users.run(row.user as unknown[]);
      authenticators.run(row.authenticator as unknown[]);
      sessions.run(row.session as unknown[]);
    }
  });
  for await (const rows of rowChunks(from, count, 50_000, passwordHash, Date.now())) insertAll(rows);
  db.pragma('journal_mode = WAL');
  // No ANALYZE: the server never runs it, and with the statistics it leaves (better-sqlite3 is
  // built with STAT4) SQLite re-prepares a statement whenever a bound value might change its
  // plan: every hot statement, every call, ~10-15% of a verification's CPU.
  db.close();
  const seconds = (performance.now() - started) / 1000;
  return { users: count, seconds, usersPerSecond: count / seconds };
}

/** The same into PostgreSQL, with multi-row inserts from arrays (unnest), 10,000 rows a statement. */
export async function bulkLoadPostgres(databaseUrl: string, count: number, from = 0): Promise<LoadReport> {
  const started = performance.now();
  await prepareSchema({ databaseUrl, dataDir: '.' });
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const types: Record<string, string> = {
    backup_codes_confirmed: 'int4',
    digits: 'int4',
    period_seconds: 'int4',
    last_step: 'int8',
    created_at: 'int8',
    updated_at: 'int8',
    activated_at: 'int8',
    expires_at: 'int8',
    authenticated_at: 'int8',
    second_factor_at: 'int8',
    last_seen_at: 'int8',
  };
  const insertSql = (table: string, columns: readonly string[]) =>
    `insert into ${table} (${columns.join(',')}) select * from unnest(${columns
      .map((c, i) => `$${i + 1}::${types[c] ?? 'text'}[]`)
      .join(',')})`;
  const columnsOf = (rows: readonly (readonly unknown[])[], width: number) =>
    Array.from({ length: width }, (_, c) => rows.map((r) => r[c]));
  try {
    for await (const rows of rowChunks(from, count, 10_000, passwordHash, Date.now())) {
      await client.query('begin');
      await client.query(
        insertSql('users', USER_COLUMNS),
        columnsOf(
          rows.map((r) => r.user),
          USER_COLUMNS.length,
        ),
      );
      await client.query(
        insertSql('authenticators', AUTHENTICATOR_COLUMNS),
        columnsOf(
          rows.map((r) => r.authenticator),
          AUTHENTICATOR_COLUMNS.length,
        ),
      );
      await client.query(
        insertSql('sessions', SESSION_COLUMNS),
        columnsOf(
          rows.map((r) => r.session),
          SESSION_COLUMNS.length,
        ),
      );
      await client.query('commit');
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - started) / 1000;
  return { users: count, seconds, usersPerSecond: count / seconds };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const [target, users] = process.argv.slice(2);
  if (!target || !users || !/^\d+$/.test(users)) {
    process.stderr.write('usage: bulk-load.ts <data-dir | postgres://…> <users>\n');
    process.exitCode = 2;
  } else {
    const report = target.startsWith('postgres')
      ? await bulkLoadPostgres(target, Number(users))
      : await bulkLoadSqlite(target, Number(users));
    process.stdout.write(
      `${report.users.toLocaleString('en-US')} users in ${report.seconds.toFixed(1)} s (${Math.round(report.usersPerSecond).toLocaleString('en-US')}/s)\n`,
    );
  }
}
