import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { makeTempDir } from './temp-dir.js';

export interface TestDatabase {
  readonly store: Store;
  readonly dataDir: string;
  /** Closes the database and removes its directory. */
  close(): Promise<void>;
}

/** A migrated SQLite database in a real file in a fresh temp directory. */
export async function openTempSqlite(): Promise<TestDatabase> {
  const dir = makeTempDir();
  const { db } = openDatabase({ dataDir: dir.path });
  await migrateToLatest(db);
  return {
    store: new Store(db),
    dataDir: dir.path,
    close: async () => {
      await db.destroy();
      dir.remove();
    },
  };
}
