import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { makeTempDir } from './temp-dir.js';

export interface TestDatabase {
  readonly store: Store;
  /** The database's durability barrier (`OpenedDatabase.durable`). */
  readonly durable: () => Promise<void> | undefined;
  readonly dataDir: string;
  /** Closes the database and removes its directory. */
  close(): Promise<void>;
}

/** A migrated SQLite database in a real file in a fresh temp directory. */
export async function openTempSqlite(
  options: { acknowledgeWrites?: 'durable' | 'committed' } = {},
): Promise<TestDatabase> {
  const dir = makeTempDir();
  const { db, durable } = openDatabase({ dataDir: dir.path, acknowledgeWrites: options.acknowledgeWrites });
  await migrateToLatest(db);
  return {
    store: new Store(db),
    durable,
    dataDir: dir.path,
    close: async () => {
      await db.destroy();
      dir.remove();
    },
  };
}
