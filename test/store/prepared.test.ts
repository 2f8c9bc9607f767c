import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PreparedQuery } from '../../src/store/prepared.js';
import type { Database } from '../../src/store/schema.js';
import { openTempSqlite, type TestDatabase } from '../helpers/sqlite-store.js';

describe('PreparedQuery', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTempSqlite();
  });
  afterEach(() => database.close());

  it('runs the query compiled once with each call’s values, keeping the query’s own constants', async () => {
    const { db } = database.store;
    const insert = new PreparedQuery<{ key: string; now: number }, unknown>(db, (p) =>
      db
        .insertInto('throttles')
        .values({ key: p.key, failures: 3, blocked_until: 0, locked: 0, updated_at: p.now }),
    );
    const find = new PreparedQuery<{ key: string }, { key: string; failures: number; updated_at: number }>(
      db,
      (p) => db.selectFrom('throttles').select(['key', 'failures', 'updated_at']).where('key', '=', p.key),
    );
    expect(await insert.changes({ key: 'a', now: 10 })).toBe(1);
    expect(await insert.changes({ key: 'b', now: 20 })).toBe(1);
    expect(await find.first({ key: 'b' })).toEqual({ key: 'b', failures: 3, updated_at: 20 });
    expect(await find.first({ key: 'a' })).toEqual({ key: 'a', failures: 3, updated_at: 10 });
    expect(await find.first({ key: 'c' })).toBeUndefined();
  });

  it('refuses a placeholder that JavaScript computed with instead of passing it to the query', async () => {
    const { db } = database.store;
    const broken = new PreparedQuery<{ now: number }, unknown>(db, (p) =>
      db
        .selectFrom('throttles')
        .selectAll()
        .where('updated_at', '<', sql<number>`${`${p.now}1`}`),
    );
    await expect(broken.rows({ now: 1 })).rejects.toThrow(/placeholder in a computed value/);
  });
  const throttleRow = (key: string) => ({ key, failures: 1, blocked_until: 0, locked: 0, updated_at: 1 });
  const findThrottle = (db: Kysely<Database>) =>
    new PreparedQuery<{ key: string }, { key: string }>(db, (p) =>
      db.selectFrom('throttles').select('key').where('key', '=', p.key),
    );

  it('on SQLite runs on the driver itself, and still waits out an explicit transaction', async () => {
    const { db } = database.store;
    const find = findThrottle(db);
    const viaKysely = vi.spyOn(db, 'executeQuery');
    let read: Promise<{ key: string } | undefined> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('throttles').values(throttleRow('t')).execute();
      read = find.first({ key: 't' });
      // Not answered while the transaction holds the connection: it would see an uncommitted row.
      const early = await Promise.race([
        read.then(() => 'answered'),
        new Promise((r) => setTimeout(r, 50, 'waiting')),
      ]);
      expect(early).toBe('waiting');
    });
    expect(await read).toEqual({ key: 't' });
    expect(viaKysely).not.toHaveBeenCalled();
  });

  it("built on a transaction, runs inside it: sees the transaction's own rows, and they go with it", async () => {
    const { db } = database.store;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('throttles').values(throttleRow('u')).execute();
        expect(await findThrottle(trx).first({ key: 'u' })).toEqual({ key: 'u' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await findThrottle(db).first({ key: 'u' })).toBeUndefined();
  });
});
