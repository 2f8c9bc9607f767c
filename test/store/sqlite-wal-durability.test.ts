import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteWalDurability } from '../../src/store/sqlite-wal-durability.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The real Worker class, each instance kept so a test can stop the checkpointer.
const workers = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class KeptWorker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      workers.push(this);
    }
  }
  return { ...real, Worker: KeptWorker };
});

/** Commits after which the checkpointer starts (sqlite-wal-durability.ts). */
const CHECKPOINTER_AFTER_COMMITS = 64;

describe('SqliteWalDurability', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let raw: SQLite.Database;
  let durability: SqliteWalDurability;
  let rows: number;

  beforeEach(() => {
    dir = makeTempDir();
    raw = new SQLite(join(dir.path, 'test.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('create table items (id integer primary key)');
    durability = new SqliteWalDurability(join(dir.path, 'test.db'), { syncEveryCommit: true });
    rows = 0;
    workers.length = 0;
  });
  afterEach(async () => {
    await durability.close();
    raw.close();
    dir.remove();
  });

  const commit = () => {
    raw.prepare('insert into items (id) values (?)').run(rows++);
    return durability.sync();
  };

  it('syncs through the checkpointer once it runs, and on the pool again when it stops', async () => {
    for (let i = 0; i < CHECKPOINTER_AFTER_COMMITS; i += 1) await commit();
    expect(workers).toHaveLength(1);
    await commit();

    // Stopped while an fsync may be in its hands: the fsync still happens, and says so.
    const synced = commit();
    await workers[0]!.terminate();
    await synced;

    // The next commit starts a new checkpointer, which syncs again.
    await commit();
    expect(workers).toHaveLength(2);
    await commit();
    expect(raw.prepare('select count(*) as n from items').get()).toEqual({ n: rows });
  });

  it('keeps a process alive until the fsync the checkpointer was asked for has answered', () => {
    // The checkpointer is unref'd so that it never holds a process open; a process with
    // nothing left but a sync in its hands must still wait for it.
    const script = `
      import SQLite from 'better-sqlite3';
      import { SqliteWalDurability } from ${JSON.stringify(new URL('../../src/store/sqlite-wal-durability.ts', import.meta.url).href)};
      const file = ${JSON.stringify(join(dir.path, 'child.db'))};
      const raw = new SQLite(file);
      raw.pragma('journal_mode = WAL');
      raw.exec('create table items (id integer primary key)');
      const durability = new SqliteWalDurability(file, { syncEveryCommit: true });
      for (let i = 0; i < ${CHECKPOINTER_AFTER_COMMITS + 10}; i += 1) {
        raw.prepare('insert into items (id) values (?)').run(i);
        await durability.sync();
      }
      process.stdout.write('all synced');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('all synced');
  });

  it('keeps a process alive until the checkpointer has closed, its last checkpoint done', () => {
    // A WAL of many pages makes the checkpointer's last checkpoint, at close, take a while: a
    // process with nothing else to do must not end inside \`close\`, with its database still open.
    const script = `
      import SQLite from 'better-sqlite3';
      import { SqliteWalDurability } from ${JSON.stringify(new URL('../../src/store/sqlite-wal-durability.ts', import.meta.url).href)};
      const file = ${JSON.stringify(join(dir.path, 'closing.db'))};
      const raw = new SQLite(file);
      raw.pragma('journal_mode = WAL');
      raw.pragma('wal_autocheckpoint = 0');
      raw.exec('create table items (id integer primary key, filler text)');
      const durability = new SqliteWalDurability(file, { syncEveryCommit: false });
      const insert = raw.prepare('insert into items (filler) values (?)');
      for (let i = 0; i < ${CHECKPOINTER_AFTER_COMMITS + 10}; i += 1) {
        raw.transaction(() => { for (let j = 0; j < 200; j += 1) insert.run('x'.repeat(500)); })();
        await durability.sync();
      }
      await durability.close();
      raw.close();
      process.stdout.write('closed');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('closed');
  });
});
