import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommitSqliteDialect, runSqliteUnit } from '../../src/store/group-commit-dialect.js';
import { rowReader } from '../../src/store/sqlite-rows.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Db {
  items: { id: number; name: string; note: string | null; data: Buffer | null };
}

// Rows are read as arrays and turned into objects by our code (sqlite-rows.ts): what comes out
// must be exactly what better-sqlite3's own object rows would have been.
describe('SQLite rows', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let raw: SQLite.Database;
  let db: Kysely<Db>;

  beforeEach(async () => {
    dir = makeTempDir();
    raw = new SQLite(join(dir.path, 'test.db'));
    db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw) });
    await sql`create table items (id integer primary key, name text not null, note text, data blob)`.execute(
      db,
    );
    await db
      .insertInto('items')
      .values([
        { id: 1, name: 'one', note: null, data: Buffer.from([1, 2, 3]) },
        { id: 2, name: 'two', note: 'ö', data: null },
      ])
      .execute();
  });
  afterEach(async () => {
    await db.destroy();
    dir.remove();
  });

  /** The same SQL through better-sqlite3's own object rows, on another connection. */
  const objectRows = (text: string, ...parameters: unknown[]) => {
    const other = new SQLite(join(dir.path, 'test.db'), { readonly: true });
    try {
      return other.prepare(text).all(...parameters);
    } finally {
      other.close();
    }
  };

  it('gives plain objects keyed by column name, in column order, with every value type', async () => {
    const rows = await db.selectFrom('items').selectAll().orderBy('id').execute();
    expect(rows).toEqual(objectRows('select * from items order by id'));
    expect(rows[0]).toEqual({ id: 1, name: 'one', note: null, data: Buffer.from([1, 2, 3]) });
    expect(Object.keys(rows[1]!)).toEqual(['id', 'name', 'note', 'data']);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
  });

  it('names columns by their aliases, quotes and all, and the last of two equal names wins', async () => {
    const text = `select id as "a b", name as "it's ""x""", 1 as dup, 2 as dup from items where id = ?`;
    const { rows } = await sql.raw<Record<string, unknown>>(text.replace('?', '1')).execute(db);
    expect(rows).toEqual(objectRows(text, 1));
    expect(rows[0]).toEqual({ 'a b': 1, 'it\'s "x"': 'one', dup: 2 });
  });

  it('a column named __proto__ is an own property and never the prototype, even holding a blob', async () => {
    const { rows } = await sql<
      Record<string, unknown>
    >`select data as "__proto__", id from items where id = 1`.execute(db);
    const row = rows[0]!;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toEqual(Buffer.from([1, 2, 3]));
    expect(row.id).toBe(1);
  });

  it('reads the same way inside a unit and when streamed, and writes still report their changes', async () => {
    const inUnit = await runSqliteUnit(db, (run) => {
      const changed = run(sql`update items set note = ${'x'} where id = ${1}`.compile(db));
      const read = run(db.selectFrom('items').select(['id', 'note']).where('id', '=', 1).compile());
      return { changed: changed.numAffectedRows, rows: read.rows };
    });
    expect(inUnit).toEqual({ changed: 1n, rows: [{ id: 1, note: 'x' }] });
    const streamed: unknown[] = [];
    for await (const row of db.selectFrom('items').select(['name']).orderBy('id').stream())
      streamed.push(row);
    expect(streamed).toEqual([{ name: 'one' }, { name: 'two' }]);
    // The statement a stream used still reads objects when executed.
    expect(await db.selectFrom('items').select(['name']).orderBy('id').execute()).toEqual(streamed);
  });

  it('a statement that returns nothing has no row reader', () => {
    expect(() => rowReader(raw.prepare('update items set note = null'))).toThrow(/returns rows/);
  });
});
