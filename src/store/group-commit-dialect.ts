import type BetterSqlite3 from 'better-sqlite3';
import { type Dialect, type Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { GroupCommitConnection, GroupCommitSqliteDriver, type RunCompiled } from './group-commit-sqlite.js';
import type { SqliteWalDurability } from './sqlite-wal-durability.js';

// How Kysely and the repositories reach the group-commit driver (group-commit-sqlite.ts): the
// dialect, and the shortcut past Kysely's executor for statements on the database itself.

/** The driver under each Kysely instance opened on it (`bindDriver`). */
const drivers = new WeakMap<object, GroupCommitSqliteDriver>();

/** Lets statements on `db` itself (not on a transaction of it) skip Kysely's executor. */
export function bindDriver(db: Kysely<unknown>, driver: GroupCommitSqliteDriver): void {
  drivers.set(db, driver);
}

/**
 * The group-commit driver under `db`, to run its statements on directly; `undefined` for any
 * other Kysely, such as a transaction's, whose queries must go through Kysely.
 */
export function directDriver(db: object): GroupCommitSqliteDriver | undefined {
  return drivers.get(db);
}

/** Kysely's SQLite dialect with the group-commit driver. */
export function groupCommitSqliteDialect(
  db: BetterSqlite3.Database,
  durability?: SqliteWalDurability,
  driver = new GroupCommitSqliteDriver(db, durability),
): Dialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (kysely: Kysely<unknown>) => new SqliteIntrospector(kysely),
  };
}

/**
 * Runs `work` as one unit of the group commit on the connection Kysely provides: the database's
 * own, or the one of the transaction `db` is bound to.
 */
export function runSqliteUnit<T>(
  db: Pick<Kysely<unknown>, 'getExecutor'>,
  work: (run: RunCompiled) => T,
): Promise<T> {
  const driver = directDriver(db);
  if (driver) return driver.directUnit(work);
  return db.getExecutor().provideConnection(async (connection) => {
    if (!(connection instanceof GroupCommitConnection)) {
      throw new TypeError('A SQLite unit needs the group-commit driver (store/database.ts)');
    }
    return connection.unit(work);
  });
}
