import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The PostgreSQL server the tests use: `TWOFOLD_TEST_PG_URL` (set by scripts/test.sh, which
 * starts a throwaway cluster when none answers) or the machine's own on 127.0.0.1:5432.
 */
export const postgresAdminUrl =
  process.env.TWOFOLD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TempPostgres {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a database of its own for one test (file), dropped afterwards. */
export async function createTempPostgresDatabase(): Promise<TempPostgres> {
  const name = `twofold_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A migrated Store on a fresh PostgreSQL database. */
export async function openTempPostgres(): Promise<{
  store: Store;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}> {
  const database = await createTempPostgresDatabase();
  const dir = makeTempDir();
  const { db } = openDatabase({ databaseUrl: database.url, dataDir: dir.path });
  await migrateToLatest(db);
  return {
    store: new Store(db),
    url: database.url,
    dataDir: dir.path,
    close: async () => {
      await db.destroy();
      await database.drop();
      dir.remove();
    },
  };
}
