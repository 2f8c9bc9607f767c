import { type Kysely, Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Database } from '../../src/store/schema.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// Migration 0003 rebuilds `sessions` and `throttles` as WITHOUT ROWID tables on an existing
// SQLite file: what is in them must come through, and so must the foreign key to users.
describe('SQLite migration 0003: sessions and throttles keyed by their primary key', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let db: Kysely<Database>;
  let migrator: Migrator;

  beforeEach(async () => {
    dir = makeTempDir();
    db = openDatabase({ dataDir: dir.path }).db;
    migrator = new Migrator({ db, provider: migrationProvider });
    const { error } = await migrator.migrateTo('0002-backup-code-handout');
    if (error) throw error;
    await sql`insert into users (id, username, email, created_at, updated_at)
              values ('u1', 'ada', 'ada@example.test', 1, 1)`.execute(db);
    await sql`insert into sessions (id_hash, user_id, kind, stage, csrf_token, created_at, expires_at,
                authenticated_at, second_factor_at, last_seen_at, user_agent, ip, flash,
                backup_codes_sealed, backup_codes_until)
              values ('h1', 'u1', 'browser', 'full', 'c1', 10, 20, 11, 12, 13, 'ua', '127.0.0.1', 'hi',
                'sealed', 99)`.execute(db);
    await sql`insert into throttles (key, failures, blocked_until, locked, updated_at)
              values ('totp:u1', 3, 40, 1, 30)`.execute(db);
  });

  afterEach(async () => {
    await db.destroy();
    dir.remove();
  });

  const tableSql = async (name: string) =>
    (
      await sql<{
        sql: string;
      }>`select sql from sqlite_master where type = 'table' and name = ${name}`.execute(db)
    ).rows[0]?.sql ?? '';

  const rows = async () => ({
    sessions: (await sql`select * from sessions`.execute(db)).rows,
    throttles: (await sql`select * from throttles`.execute(db)).rows,
  });

  it('keeps every row and column, and stores both tables in their primary key', async () => {
    const before = await rows();
    expect(await tableSql('sessions')).not.toMatch(/without rowid/i);

    await migrateToLatest(db);

    expect(await rows()).toEqual(before);
    expect(await tableSql('sessions')).toMatch(/without rowid/i);
    expect(await tableSql('throttles')).toMatch(/without rowid/i);
    const indexes = await sql<{ name: string }>`select name from pragma_index_list('sessions')`.execute(db);
    expect(indexes.rows.map((r) => r.name)).toContain('sessions_user');
    const leftovers = await sql`select name from sqlite_master where name like '%_rebuilt'`.execute(db);
    expect(leftovers.rows).toEqual([]);
  });

  it('keeps the cascade from users: deleting the user deletes the session', async () => {
    await migrateToLatest(db);
    await sql`delete from users where id = 'u1'`.execute(db);
    expect((await rows()).sessions).toEqual([]);
  });

  it('refuses a second session with the same id hash, as the primary key did', async () => {
    await migrateToLatest(db);
    await expect(
      sql`insert into sessions (id_hash, user_id, kind, stage, csrf_token, created_at, expires_at,
            authenticated_at, last_seen_at) values ('h1', 'u1', 'api', 'full', 'c', 1, 2, 1, 1)`.execute(db),
    ).rejects.toThrow(/UNIQUE|PRIMARY KEY/i);
  });

  it('goes back down to rowid tables with the rows intact', async () => {
    const before = await rows();
    await migrateToLatest(db);
    const { error } = await migrator.migrateTo('0002-backup-code-handout');
    if (error) throw error;
    expect(await tableSql('sessions')).not.toMatch(/without rowid/i);
    expect(await tableSql('throttles')).not.toMatch(/without rowid/i);
    expect(await rows()).toEqual(before);
  });
});
