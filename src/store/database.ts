import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type LogEvent, Migrator, PostgresDialect, sql } from 'kysely';
import type PgModule from 'pg';
import { bindDriver, groupCommitSqliteDialect } from './group-commit-dialect.js';
import { GroupCommitSqliteDriver } from './group-commit-sqlite.js';
import { migrationProvider } from './migrations/index.js';
import { type DatabaseObserver, operationOf } from './observer.js';
import { prepareMarkedStatements } from './postgres-prepared.js';
import type { Database } from './schema.js';
import { SqliteWalDurability } from './sqlite-wal-durability.js';

export type Engine = 'sqlite' | 'postgres';

export interface OpenDatabaseOptions {
  /** `postgres://…`; when absent the embedded SQLite file `<dataDir>/twofold.db` is used. */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  /** SQLite `synchronous` pragma: FULL survives power loss after every commit. */
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL pool size per process. */
  readonly poolSize?: number;
  /**
   * SQLite: when a write counts as done. `durable` (default): once fsynced. `committed`: at its
   * COMMIT, for the server, which waits on `durable()` before anything leaves the process.
   */
  readonly acknowledgeWrites?: 'durable' | 'committed';
  /** Told each statement's time and, on SQLite, each batch's size and fsync's time (metrics). */
  readonly observer?: DatabaseObserver | undefined;
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** Where the data lives, without credentials: for the start-up line. */
  readonly location: string;
  /**
   * Resolves once every write made so far is on disk; `undefined` when it already is. Always
   * `undefined` on PostgreSQL, whose commits are durable when they return.
   */
  durable(): Promise<void> | undefined;
}

// int8 (bigint) comes back as a string by default; our bigints are millisecond times and
// TOTP steps, far below 2^53, so numbers are exact and let both engines return the same types.
const pgTypes = (pg: typeof PgModule) => ({
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
});

/** pg is loaded only for PostgreSQL: an embedded SQLite server need not carry it (~15 MB). */
const loadPg = (): typeof PgModule => createRequire(import.meta.url)('pg') as typeof PgModule;

export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types: pgTypes(pg),
      connectionTimeoutMillis: 5_000,
    });
    // An idle client that loses its server emits 'error' on the pool; without a listener that
    // would crash the process. The next query reports the outage instead.
    pool.on('error', () => {});
    // The same for a client lost while checked out (between the statements of a transaction):
    // the statement in flight fails and is answered 503; the process must not crash.
    pool.on('connect', (client) => {
      client.on('error', () => {});
      // A named statement (postgres-prepared.ts) keeps the plan it got on first use, and a table
      // nearly empty then (a new database, one analyzed while empty) is cheapest to read by a
      // sequential scan: the statement would go on scanning the whole table as it grows, until
      // autovacuum's next ANALYZE. Seen: thousands of throttle rows read per verification, half
      // of PostgreSQL's CPU (measured with `npm run bench`). Every statement Twofold sends finds
      // its rows by a key or an indexed column; with this off the planner takes the index
      // wherever there is one, and a query with none still scans. Sent before any other query.
      client.query('set enable_seqscan = off').catch(() => {});
      prepareMarkedStatements(client);
    });
    const { observer } = options;
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      // Kysely times every query it runs (ours all go through it on PostgreSQL) when it logs.
      ...(observer
        ? {
            log: (event: LogEvent) => {
              if (event.level === 'query') {
                observer.query(operationOf(event.query), event.queryDurationMillis / 1000);
              }
            },
          }
        : {}),
    });
    return {
      db,
      engine: 'postgres',
      location: `postgres://${url.host}${url.pathname}`,
      durable: () => undefined,
    };
  }

  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, 'twofold.db');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL's fsync is done by `SqliteWalDurability` off the event loop; see there.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('wal_autocheckpoint = 0');
  // When the WAL starts over (sqlite-wal-durability.ts), a file grown past this is cut back to
  // it; below it, SQLite rewrites the file in place, which costs less than growing it.
  sqlite.pragma('journal_size_limit = 33554432');
  // 4 MB of page cache instead of better-sqlite3's 16: the hot path reads rows of random users,
  // which a cache of any size a server can spare does not hold, and the OS keeps the file's pages
  // anyway. Measured: the same verifications a second, 12 MB less resident (measured with `npm run bench`).
  sqlite.pragma('cache_size = -4000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const observer = options.observer;
  const durability = new SqliteWalDurability(file, {
    syncEveryCommit: (options.sqliteSynchronous ?? 'FULL') === 'FULL',
    onFsync: observer && ((seconds) => observer.sqliteFsync(seconds)),
  });
  const driver = new GroupCommitSqliteDriver(sqlite, durability, {
    acknowledge: options.acknowledgeWrites,
    observer,
  });
  const db = new Kysely<Database>({ dialect: groupCommitSqliteDialect(sqlite, durability, driver) });
  bindDriver(db as Kysely<unknown>, driver);
  return { db, engine: 'sqlite', location: file, durable: () => driver.durable() };
}

/** Applies every pending migration; returns the names applied now. Safe to run on every start. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the database answers a trivial query: what `/healthz` reports. */
export async function isDatabaseReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
