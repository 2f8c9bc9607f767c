import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { prepareMarkedStatements } from '../../src/store/postgres-prepared.js';
import { PREPARED_SQL_MARK } from '../../src/store/prepared.js';
import { createTempPostgresDatabase, type TempPostgres } from '../helpers/postgres.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { newUser } from './contract.js';

// The hot statements (PreparedQuery) are named prepared statements on each PostgreSQL connection,
// so the database plans them once; every other query stays unnamed. One connection in the pool,
// so that `pg_prepared_statements` (which is per connection) shows what the store's queries did.
describe('PostgreSQL: named prepared statements', () => {
  let database: TempPostgres;
  let store: Store;
  let close: () => Promise<void>;

  beforeEach(async () => {
    database = await createTempPostgresDatabase();
    const dir = makeTempDir();
    const { db } = openDatabase({ databaseUrl: database.url, dataDir: dir.path, poolSize: 1 });
    await migrateToLatest(db);
    store = new Store(db);
    close = async () => {
      await db.destroy();
      await database.drop();
      dir.remove();
    };
  });
  afterEach(() => close());

  const prepared = async () =>
    (
      await sql<{
        name: string;
        statement: string;
      }>`select name, statement from pg_prepared_statements`.execute(store.db)
    ).rows;

  it('prepares each hot statement once per connection, by name, and nothing else', async () => {
    const user = newUser();
    await store.users.insert(user);
    for (let i = 0; i < 3; i++) {
      await store.totpAttempts.attempt({
        throttleKey: `mfa:user:${user.id}`,
        userId: user.id,
        now: 1_700_000_000_000 + i,
        schedule: { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 900_000, lockAfterFailures: 100 },
        check: () => [],
      });
    }
    expect((await store.throttles.find(`mfa:user:${user.id}`))?.failures).toBe(3);
    // Three starts and a find: two statements, each prepared once.
    const statements = await prepared();
    expect(statements.map((s) => s.name)).toEqual([
      expect.stringMatching(/^tf_[0-9a-f]{24}$/),
      expect.stringMatching(/^tf_/),
    ]);
    const texts = statements.map((s) => s.statement).sort();
    expect(texts[0]).toMatch(/^\/\* prepared \*\/ select \* from "throttles" where "key" = \$1$/);
    expect(texts[1]).toMatch(/^\/\* prepared \*\/ with "reserved" as \(insert into "throttles"/);
    // An ordinary query (the user insert above, a listing) is not kept on the connection.
    await store.users.list({});
    expect(await prepared()).toHaveLength(2);
  });

  it('prepares anew when another instance changed the columns under a statement (rolling upgrade)', async () => {
    await store.throttles.reserveAttempt('k', 1, {
      freeFailures: 5,
      baseDelayMs: 1,
      maxDelayMs: 2,
      lockAfterFailures: null,
    });
    expect(await store.throttles.find('k')).toMatchObject({ key: 'k', failures: 1 });
    // What a later migration run by a newer instance could do.
    await sql`alter table throttles add column note text`.execute(store.db);
    expect(await store.throttles.find('k')).toMatchObject({ key: 'k', failures: 1, note: null });
    expect(await store.throttles.find('k')).toMatchObject({ key: 'k', failures: 1 });
  });

  it('plans a lookup by its index even when the table was analyzed while empty', async () => {
    // A new database: the throttles table is empty, and ANALYZE has recorded it so. A plan made
    // now would read it by a sequential scan, and a named statement keeps its plan as it grows.
    await sql`analyze throttles`.execute(store.db);
    expect(await store.throttles.find('k')).toBeUndefined();
    const [found] = (await prepared()).filter((s) => /from "throttles" where "key"/.test(s.statement));
    expect(found).toBeDefined();
    const plan = await sql<{
      'QUERY PLAN': string;
    }>`explain (costs off) execute ${sql.raw(found!.name)}('k')`.execute(store.db);
    const lines = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(lines).toMatch(/Index Scan using throttles_pkey/);
    expect(lines).not.toMatch(/Seq Scan/);
  });

  it('has PostgreSQL describe the columns of a named statement once per connection, and reads every run right', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const client = await pool.connect();
    try {
      prepareMarkedStatements(client);
      const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
      let descriptions = 0;
      connection.on('rowDescription', () => descriptions++);
      const addFields = vi.spyOn(pg.Result.prototype as unknown as { addFields(): void }, 'addFields');
      const text = `${PREPARED_SQL_MARK}select $1::int + 1 as next, $2::text as name, $3::bigint as big, true as yes`;
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await client.query(text, [i, `n${i}`, `900719925474099${i}`]));
      expect(runs.map((r) => r.rows)).toEqual(
        [0, 1, 2].map((i) => [{ next: i + 1, name: `n${i}`, big: `900719925474099${i}`, yes: true }]),
      );
      expect(runs.map((r) => r.fields.map((f) => f.name))).toEqual(
        Array(3).fill(['next', 'name', 'big', 'yes']),
      );
      expect(descriptions).toBe(1);
      // pg's set-up of the columns (Result.addFields: parsers, the empty row it copies) is made
      // once too, and only read: a row changed by its caller changes no later run's.
      expect(addFields).toHaveBeenCalledTimes(1);
      runs[0]!.rows[0].name = 'changed';
      runs[0]!.rows[0].extra = true;
      expect((await client.query(text, [7, 'n7', '1'])).rows).toEqual([
        { next: 8, name: 'n7', big: '1', yes: true },
      ]);
      // Statements that are not marked are described as pg always does.
      await client.query('select 1 as one');
      await client.query('select 1 as one');
      expect(descriptions).toBe(3);
      expect(addFields).toHaveBeenCalledTimes(3);
    } finally {
      vi.restoreAllMocks();
      client.release();
      await pool.end();
    }
  });
  it("gives a named statement's rows as pg gives any rows: objects in column order, the last of two names winning", async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const client = await pool.connect();
    try {
      prepareMarkedStatements(client);
      const body =
        `select g as n, 'x' || g as label, null::text as none, g as dup, -g as dup, g::text as "__proto__" ` +
        'from generate_series(1, 3) g';
      const named = await client.query(`${PREPARED_SQL_MARK}${body}`);
      const again = await client.query(`${PREPARED_SQL_MARK}${body}`);
      const plain = await client.query(body);
      expect(named.rows).toEqual(plain.rows);
      expect(again.rows).toEqual(plain.rows);
      const first = named.rows[0] as Record<string, unknown>;
      expect(Object.keys(first)).toEqual(['n', 'label', 'none', 'dup', '__proto__']);
      expect([first.n, first.label, first.none, first.dup]).toEqual([1, 'x1', null, -1]);
      // A column named __proto__ is a property of the row, not its prototype.
      expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(first, '__proto__')?.value).toBe('1');
      expect((await client.query(`${PREPARED_SQL_MARK}${body} where g > 3`)).rows).toEqual([]);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
