import { statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommitSqliteDialect, runSqliteUnit } from '../../src/store/group-commit-dialect.js';
import { GroupCommitSqliteDriver } from '../../src/store/group-commit-sqlite.js';
import { SqliteWalDurability } from '../../src/store/sqlite-wal-durability.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Db {
  items: { id: number; name: string };
}

describe('SQLite group commit', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let raw: SQLite.Database;
  let db: Kysely<Db>;
  let commits: number;

  beforeEach(async () => {
    dir = makeTempDir();
    raw = new SQLite(join(dir.path, 'test.db'));
    raw.pragma('journal_mode = WAL');
    commits = 0;
    const exec = raw.exec.bind(raw);
    raw.exec = (source: string) => {
      if (source === 'commit') commits += 1;
      return exec(source);
    };
    db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw) });
    await sql`create table items (id integer primary key, name text not null unique)`.execute(db);
    commits = 0;
  });
  afterEach(async () => {
    await db.destroy();
    dir.remove();
  });

  const insert = (id: number, name: string) => db.insertInto('items').values({ id, name }).execute();

  it('commits the writes of one turn together, and each is durable when its promise resolves', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => insert(i, `n${i}`)));
    expect(commits).toBe(1);
    // Another connection to the same file sees every row: they were committed, not just queued.
    const other = new SQLite(join(dir.path, 'test.db'), { readonly: true });
    expect(other.prepare('select count(*) as n from items').get()).toEqual({ n: 50 });
    other.close();
  });

  it('a failing write fails alone; the rest of its batch commits', async () => {
    await insert(1, 'taken');
    const results = await Promise.allSettled([insert(2, 'a'), insert(3, 'taken'), insert(4, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await db.selectFrom('items').select('name').orderBy('id').execute()).map((r) => r.name)).toEqual([
      'taken',
      'a',
      'b',
    ]);
  });

  it('keeps an explicit transaction to itself: outside reads do not see its rows before commit', async () => {
    let seenInside: number | undefined;
    let outsideCount: number | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 9, name: 'inside' }).execute();
      const outside = db
        .selectFrom('items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => {
          outsideCount = Number(r.n);
        });
      seenInside = Number(
        (
          await trx
            .selectFrom('items')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(outsideCount).toBeUndefined();
      void outside;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(seenInside).toBe(1);
    expect(outsideCount).toBe(1);
  });

  describe('units', () => {
    const insertRow = (id: number, name: string) =>
      CompiledQuery.raw('insert into items (id, name) values (?, ?)', [id, name]);
    const count = CompiledQuery.raw('select count(*) as n from items');

    it('run whole, in the batch of their turn, with nothing of another write in between', async () => {
      const seen: number[] = [];
      const results = await Promise.all([
        insert(1, 'a'),
        runSqliteUnit(db, (run) => {
          seen.push(Number((run(count).rows[0] as { n: number }).n));
          run(insertRow(2, 'b'));
          seen.push(Number((run(count).rows[0] as { n: number }).n));
          return 'unit result';
        }),
        insert(3, 'c'),
      ]);
      expect(results[1]).toBe('unit result');
      // The write queued before it is in, the one after is not yet, and its own is.
      expect(seen).toEqual([1, 2]);
      expect(commits).toBe(1);
    });

    it('undo their own writes when they throw; the rest of the batch commits', async () => {
      const outcomes = await Promise.allSettled([
        insert(1, 'a'),
        runSqliteUnit(db, (run) => {
          run(insertRow(2, 'b'));
          throw new Error('the check failed');
        }),
        runSqliteUnit(db, (run) => run(insertRow(3, 'c')).numAffectedRows),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([
        1, 3,
      ]);
    });

    it('run at once inside an explicit transaction, and go with its rollback', async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await runSqliteUnit(trx, (run) => run(insertRow(7, 'inside')));
          expect(await trx.selectFrom('items').select('id').execute()).toEqual([{ id: 7 }]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await db.selectFrom('items').selectAll().execute()).toEqual([]);
    });
  });

  it('rolls back an explicit transaction completely', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 1, name: 'x' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.selectFrom('items').selectAll().execute()).toEqual([]);
  });

  it('a transaction that cannot begin (another process writes) fails alone and leaves the connection free', async () => {
    raw.pragma('busy_timeout = 20');
    const other = new SQLite(join(dir.path, 'test.db'));
    other.exec('begin immediate');
    try {
      await expect(db.transaction().execute(async () => 'never')).rejects.toThrow(/locked|busy/i);
    } finally {
      other.exec('rollback');
      other.close();
    }
    // Neither a later transaction nor the group commit waits for the one that never began.
    await db.transaction().execute((trx) => trx.insertInto('items').values({ id: 1, name: 'in' }).execute());
    await insert(2, 'batched');
    expect(await db.selectFrom('items').select('name').orderBy('id').execute()).toEqual([
      { name: 'in' },
      { name: 'batched' },
    ]);
  });
});

/** A real durability whose fsyncs start only when the test opens the gate. */
class GatedDurability extends SqliteWalDurability {
  #open!: () => void;
  gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  syncs = 0;
  openGate() {
    this.#open();
  }
  override sync(): Promise<void> {
    this.syncs += 1;
    return this.gate.then(() => super.sync());
  }
}

describe('SQLite group commit with the WAL fsynced off the event loop', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let raw: SQLite.Database;
  const file = () => join(dir.path, 'test.db');

  beforeEach(() => {
    dir = makeTempDir();
    raw = new SQLite(file());
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('wal_autocheckpoint = 0');
    raw.exec('create table items (id integer primary key, name text not null unique)');
  });
  afterEach(() => dir.remove());

  it('reports a write done only after the fsync that follows its commit', async () => {
    const durability = new GatedDurability(file(), { syncEveryCommit: true });
    const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability) });
    let done = false;
    const write = db
      .insertInto('items')
      .values({ id: 1, name: 'a' })
      .execute()
      .then(() => {
        done = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(durability.syncs).toBe(1);
    expect(done).toBe(false);
    durability.openGate();
    await write;
    expect(done).toBe(true);
    await db.destroy();
  });

  it('gathers the writes made while an fsync runs into one commit after it', async () => {
    const durability = new GatedDurability(file(), { syncEveryCommit: true });
    let commits = 0;
    const exec = raw.exec.bind(raw);
    raw.exec = (source: string) => {
      if (source === 'commit') commits += 1;
      return exec(source);
    };
    const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability) });
    const insert = (id: number) =>
      db
        .insertInto('items')
        .values({ id, name: `n${id}` })
        .execute();
    const first = insert(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(commits).toBe(1);
    // Three more writes in three later turns, while the first commit's fsync is held.
    const later: Promise<unknown>[] = [];
    for (const id of [2, 3, 4]) {
      later.push(insert(id));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(commits).toBe(1);
    durability.openGate();
    await Promise.all([first, ...later]);
    expect(commits).toBe(2);
    expect(raw.prepare('select count(*) as n from items').get()).toEqual({ n: 4 });
    await db.destroy();
  });

  it('waits for the fsync before an explicit transaction counts as committed', async () => {
    const durability = new GatedDurability(file(), { syncEveryCommit: true });
    const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability) });
    let committed = false;
    const transaction = db
      .transaction()
      .execute((trx) => trx.insertInto('items').values({ id: 1, name: 'a' }).execute())
      .then(() => {
        committed = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(committed).toBe(false);
    durability.openGate();
    await transaction;
    expect(committed).toBe(true);
    await db.destroy();
  });

  it('copies the WAL into the database file from the background checkpointer', async () => {
    const durability = new SqliteWalDurability(file(), { syncEveryCommit: true });
    const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability) });
    const before = statSync(file()).size;
    // With wal_autocheckpoint off, only the checkpointer moves pages into the database file.
    for (let i = 0; i < 100; i += 1) {
      await db
        .insertInto('items')
        .values({ id: i, name: `${i}`.padEnd(2000, '.') })
        .execute();
    }
    const deadline = Date.now() + 5_000;
    while (statSync(file()).size <= before + 100 * 2000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(statSync(file()).size).toBeGreaterThan(before + 100 * 2000);
    await db.destroy();
    // The server's connection closed last: SQLite checkpointed and removed the WAL.
    expect(() => statSync(`${file()}-wal`)).toThrow();
  });

  it('starts the WAL over under steady writes instead of letting it grow', async () => {
    // The server's settings, with a checkpoint every 20 ms and a restart past 64 frames (256 KiB).
    raw.pragma('wal_autocheckpoint = 0');
    raw.pragma('journal_size_limit = 1048576');
    const durability = new SqliteWalDurability(file(), {
      syncEveryCommit: true,
      checkpointIntervalMs: 20,
      restartAfterFrames: 64,
    });
    const driver = new GroupCommitSqliteDriver(raw, durability, { acknowledge: 'committed' });
    const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability, driver) });
    // Twenty writers, as twenty requests that each write and then wait for the fsync before
    // answering: commits never stop, so a checkpoint never finds the WAL still. ~30 MB of WAL
    // frames in all; without the restart the WAL keeps every one of them.
    const writers = 20;
    const rowsEach = 200;
    let largestWal = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < rowsEach; i += 1) {
          await db
            .insertInto('items')
            .values({ id: w * rowsEach + i, name: `${w}-${i}`.padEnd(2000, '.') })
            .execute();
          await driver.durable();
          // Once running (the checkpointer starts after 64 commits): the WAL's size from then on.
          if (w === 0 && i >= rowsEach / 2 && i % 10 === 0) {
            largestWal = Math.max(largestWal, statSync(`${file()}-wal`).size);
          }
        }
      }),
    );
    const rows = writers * rowsEach;
    await driver.durable();
    expect(largestWal).toBeGreaterThan(0);
    // Frames of ~20 ms of writes between a checkpoint and the restart, cut back to 1 MiB at it.
    expect(largestWal).toBeLessThan(8 * 1024 * 1024);
    expect(raw.prepare('select count(*) as n from items').get()).toEqual({ n: rows });
    await db.destroy();
  });

  describe("acknowledged at commit (the server's mode)", () => {
    const open = () => {
      const durability = new GatedDurability(file(), { syncEveryCommit: true });
      const driver = new GroupCommitSqliteDriver(raw, durability, { acknowledge: 'committed' });
      const db = new Kysely<Db>({ dialect: groupCommitSqliteDialect(raw, durability, driver) });
      return { durability, driver, db };
    };

    it('reports a write at its commit, and durable() only once the fsync after it has run', async () => {
      const { durability, driver, db } = open();
      expect(driver.durable()).toBeUndefined();
      await db.insertInto('items').values({ id: 1, name: 'a' }).execute();
      // The fsync starts when something is about to leave the process, not at the commit.
      expect(durability.syncs).toBe(0);
      const barrier = driver.durable();
      expect(durability.syncs).toBe(1);
      expect(barrier).toBeInstanceOf(Promise);
      let synced = false;
      void barrier?.then(() => {
        synced = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(synced).toBe(false);
      durability.openGate();
      await barrier;
      expect(synced).toBe(true);
      expect(driver.durable()).toBeUndefined();
      await db.destroy();
    });

    it("gives a request's sequential writes one fsync at the end, not one each", async () => {
      const { durability, driver, db } = open();
      // Three dependent writes, as a verification makes: each starts after the last resolved.
      for (const id of [1, 2, 3]) {
        await db
          .insertInto('items')
          .values({ id, name: `n${id}` })
          .execute();
      }
      expect(raw.prepare('select count(*) as n from items').get()).toEqual({ n: 3 });
      const barrier = driver.durable();
      expect(durability.syncs).toBe(1);
      // Asked again before that fsync ends, with nothing committed since: the same fsync.
      expect(driver.durable()).toBe(barrier);
      expect(durability.syncs).toBe(1);
      durability.openGate();
      await barrier;
      expect(driver.durable()).toBeUndefined();
      await db.destroy();
    });

    it('counts an explicit transaction at its commit and covers it by durable()', async () => {
      const { durability, driver, db } = open();
      await db.transaction().execute((trx) => trx.insertInto('items').values({ id: 1, name: 'a' }).execute());
      const barrier = driver.durable();
      expect(barrier).toBeInstanceOf(Promise);
      durability.openGate();
      await barrier;
      await db.destroy();
    });
  });
});
