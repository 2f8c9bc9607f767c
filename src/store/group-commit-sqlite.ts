import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
} from 'kysely';
import { type DatabaseObserver, operationOf } from './observer.js';
import { type RowReader, rowReader } from './sqlite-rows.js';
import type { SqliteWalDurability } from './sqlite-wal-durability.js';

/** A write, or a unit of reads and writes, waiting for the next batch. */
interface PendingWrite {
  readonly execute: () => unknown;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  result?: unknown;
  error?: unknown;
}

/** Runs a compiled query at once, inside a unit (see `GroupCommitSqliteDriver.unit`). */
export type RunCompiled = (query: CompiledQuery) => QueryResult<unknown>;

/** A statement prepared once per SQL text, with its row reader when it returns rows. */
interface Prepared {
  readonly statement: BetterSqlite3.Statement;
  readonly rows: RowReader | undefined;
}

/**
 * SQLite with group commit. Every write made outside an explicit transaction joins the batch
 * of its event-loop turn; the batch runs in one transaction whose single COMMIT (and, with
 * `synchronous=FULL`, single fsync) makes all of it durable, and only then does each write's
 * promise resolve. Durability stays exactly that of one commit per statement — a write is
 * never reported done before it is on disk — at the cost of one fsync per turn, not per write.
 *
 * Reads run at once. Explicit transactions get the connection to themselves: batches and
 * reads wait until they end, so nothing outside ever sees their uncommitted rows.
 *
 * A unit (`unit`) is a synchronous function of reads and writes that joins the batch like a
 * write: it runs inside the batch's transaction, behind a savepoint, with nothing else in
 * between — atomic, on one process or several (the batch holds SQLite's write lock).
 *
 * With a `SqliteWalDurability`, the COMMIT itself does not fsync; a write (or an explicit
 * transaction) is reported done only once the durability's fsync of the WAL has finished.
 *
 * Or, with `acknowledge: 'committed'` (the server), a write is reported done at its COMMIT, and
 * the fsync waits until someone needs it: `durable()` starts one when commits are unsynced and
 * returns its promise. The server holds every answer and every e-mail on it, so nothing leaves
 * the process before the state it depends on is on disk — and a request's three or four rounds
 * of writes cost one fsync, not one each. The WAL is a log: its fsync makes all earlier commits
 * durable, so what a request read from another's commit is durable too when it answers.
 */
export class GroupCommitSqliteDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, Prepared>();
  /** The connection of `direct` and `directUnit`: never in a transaction. */
  readonly #outside = new GroupCommitConnection(this);
  #batch: PendingWrite[] = [];
  #flushScheduled = false;
  /** Set while an explicit transaction owns the connection; others await it. */
  #transaction: Promise<void> | undefined;
  #endTransaction: (() => void) | undefined;

  readonly #durability: SqliteWalDurability | undefined;
  readonly #acknowledgeAtCommit: boolean;
  readonly #observer: DatabaseObserver | undefined;
  /**
   * The last fsync started, until it has finished: what `durable()` waits on, and, acknowledged
   * after the fsync, what the next batch waits for while it grows.
   */
  #syncing: Promise<void> | undefined;
  #flushAfterSync = false;
  /** Commits made since the last fsync started (acknowledged at commit only). */
  #dirty = false;
  /**
   * Set while commits are held so that the WAL can start over (sqlite-wal-durability.ts): writes
   * queue in the batch meanwhile, reads go on.
   */
  #held: Promise<void> | undefined;
  #unitStatements:
    | {
        readonly begin: BetterSqlite3.Statement;
        readonly release: BetterSqlite3.Statement;
        readonly undo: BetterSqlite3.Statement;
      }
    | undefined;

  constructor(
    db: BetterSqlite3.Database,
    durability?: SqliteWalDurability,
    options: GroupCommitOptions = {},
  ) {
    this.#db = db;
    this.#durability = durability;
    this.#acknowledgeAtCommit = options.acknowledge === 'committed';
    this.#observer = options.observer;
    durability?.onRestartDue(() => this.#holdForWalRestart(durability));
  }

  /**
   * Holds the commits — after an explicit transaction under way has ended — while the
   * checkpointer copies back the rest of the WAL; the batch gathered meanwhile then commits as
   * the first transaction of a WAL started over.
   */
  #holdForWalRestart(durability: SqliteWalDurability): void {
    if (this.#held) return;
    const held = (async () => {
      while (this.#transaction) await this.#transaction;
      await durability.catchUp();
    })();
    this.#held = held;
    held.finally(() => {
      this.#held = undefined;
      if (this.#batch.length > 0 && !this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Resolves when every commit made so far is on disk; `undefined` when they already are (the
   * common case for a request that wrote nothing, without a promise to wait on).
   */
  durable(): Promise<void> | undefined {
    if (this.#dirty && this.#durability) {
      this.#dirty = false;
      this.#sync(this.#durability);
    }
    return this.#syncing;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GroupCommitConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    while (this.#transaction || this.#held) await (this.#transaction ?? this.#held);
    this.#transaction = new Promise((resolve) => {
      this.#endTransaction = resolve;
    });
    this.flush({ force: true });
    (connection as GroupCommitConnection).inTransaction = true;
    try {
      this.#db.exec('begin immediate');
    } catch (error) {
      // E.g. another process held the write lock past the busy timeout. Kysely neither commits
      // nor rolls back a transaction that did not begin: free the connection here, or every
      // later query would wait for this one forever.
      this.#endTransactionHold(connection);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.#finishTransaction(connection, 'commit');
    if (!this.#durability) return;
    if (this.#acknowledgeAtCommit) this.#dirty = true;
    else await this.#sync(this.#durability);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.#finishTransaction(connection, 'rollback');
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.flush({ force: true });
    // Commits no answer asked to sync yet (acknowledged at commit): synced before closing.
    this.durable();
    await this.#durability?.close();
    this.#db.close();
  }

  /** @internal */
  async execute(connection: GroupCommitConnection, query: CompiledQuery): Promise<QueryResult<unknown>> {
    if (!connection.inTransaction) {
      while (this.#transaction) await this.#transaction;
    }
    const prepared = this.#prepare(query.sql);
    if (connection.inTransaction || prepared.statement.readonly) return this.#run(prepared, query);
    return this.#enqueue(() => this.#run(prepared, query)) as Promise<QueryResult<unknown>>;
  }

  /** Runs a statement, timed when someone observes (the time of the statement, not of its wait). */
  #run(prepared: Prepared, query: CompiledQuery): QueryResult<unknown> {
    const observer = this.#observer;
    if (!observer) return run(prepared, query.parameters);
    const started = performance.now();
    try {
      return run(prepared, query.parameters);
    } finally {
      observer.query(operationOf(query), (performance.now() - started) / 1000);
    }
  }

  /**
   * Runs `work` in the next batch's transaction (at once inside an explicit one), and resolves
   * with its result as a write would: at its commit or its fsync. Its statements run through
   * `run`, synchronously; if it throws, what it wrote is undone and the rest of the batch commits.
   * @internal
   */
  async unit<T>(connection: GroupCommitConnection, work: (run: RunCompiled) => T): Promise<T> {
    if (connection.inTransaction) return this.#savepointed(work);
    while (this.#transaction) await this.#transaction;
    return this.#enqueue(() => this.#savepointed(work)) as Promise<T>;
  }

  /**
   * Runs a compiled query as Kysely would outside a transaction (it waits for one under way),
   * without Kysely's connection provider and its promises (see `directDriver`).
   */
  direct(query: CompiledQuery): Promise<QueryResult<unknown>> {
    return this.execute(this.#outside, query);
  }

  /** `unit`, outside any transaction, without Kysely's connection provider (see `runSqliteUnit`). */
  directUnit<T>(work: (run: RunCompiled) => T): Promise<T> {
    return this.unit(this.#outside, work);
  }

  #enqueue(execute: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ execute, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  #savepointed<T>(work: (run: RunCompiled) => T): T {
    this.#unitStatements ??= {
      begin: this.#db.prepare('savepoint unit'),
      release: this.#db.prepare('release unit'),
      undo: this.#db.prepare('rollback to unit'),
    };
    const { begin, release, undo } = this.#unitStatements;
    begin.run();
    try {
      const result = work((query) => this.#run(this.#prepare(query.sql), query));
      release.run();
      return result;
    } catch (error) {
      undo.run();
      release.run();
      throw error;
    }
  }

  /** Rows of a select, one at a time. @internal */
  iterate(query: CompiledQuery): IterableIterator<Record<string, unknown>> {
    const { rows } = this.#prepare(query.sql);
    if (!rows) throw new TypeError('Only a statement that returns rows can be iterated');
    return rows.iterate(query.parameters);
  }

  /** Runs the waiting writes in one transaction, then settles each of them. */
  flush(options: { readonly force?: boolean } = {}): void {
    this.#flushScheduled = false;
    if (this.#transaction && this.#db.inTransaction) {
      // An explicit transaction holds the connection; its end schedules the batch again.
      return;
    }
    const batch = this.#batch;
    if (batch.length === 0) return;
    // Held for a WAL restart: the batch grows until the hold ends, which flushes it.
    if (this.#held && !options.force) return;
    if (this.#syncing && !options.force && !this.#acknowledgeAtCommit) {
      // Committing now would only wait for that fsync and then need one of its own. Gathering
      // the writes until it ends makes fewer, larger commits, and hot pages are written once.
      if (!this.#flushAfterSync) {
        this.#flushAfterSync = true;
        const flushNow = () => {
          this.#flushAfterSync = false;
          this.flush();
        };
        this.#syncing.then(flushNow, flushNow);
      }
      return;
    }
    this.#batch = [];
    try {
      this.#db.exec('begin immediate');
      for (const write of batch) {
        // A failing statement undoes only itself (SQLite's statement-level abort); the rest
        // of the batch commits as if each had been on its own.
        try {
          write.result = write.execute();
        } catch (error) {
          write.error = error;
        }
      }
      this.#db.exec('commit');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('rollback');
      for (const write of batch) write.reject(error);
      return;
    }
    this.#observer?.sqliteBatch(batch.length);
    if (!this.#durability) {
      settle(batch);
      return;
    }
    if (this.#acknowledgeAtCommit) {
      this.#dirty = true;
      settle(batch);
      return;
    }
    this.#sync(this.#durability).then(
      () => settle(batch),
      (error: unknown) => {
        for (const write of batch) write.reject(error);
      },
    );
  }

  #sync(durability: SqliteWalDurability): Promise<void> {
    const sync = durability.sync();
    // Each sync covers every commit before it, so only the latest one need be waited for. The
    // answers waiting on an fsync that fails fail with it, as the writes of a batch do.
    this.#syncing = sync;
    const ended = () => {
      if (this.#syncing === sync) this.#syncing = undefined;
    };
    sync.then(ended, ended);
    return sync;
  }

  #finishTransaction(connection: DatabaseConnection, how: 'commit' | 'rollback'): void {
    try {
      this.#db.exec(how);
    } finally {
      this.#endTransactionHold(connection);
    }
  }

  /** Gives the connection back to batches and reads once an explicit transaction is over. */
  #endTransactionHold(connection: DatabaseConnection): void {
    (connection as GroupCommitConnection).inTransaction = false;
    const end = this.#endTransaction;
    this.#transaction = undefined;
    this.#endTransaction = undefined;
    end?.();
    if (this.#batch.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  #prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      const statement = this.#db.prepare(sql);
      prepared = { statement, rows: statement.reader ? rowReader(statement) : undefined };
      // Our queries are a few dozen shapes; the bound only guards against unbounded growth.
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }
}

export class GroupCommitConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  /** See `GroupCommitSqliteDriver.unit`. */
  unit<T>(work: (run: RunCompiled) => T): Promise<T> {
    return this.driver.unit(this, work);
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute(this, query) as Promise<QueryResult<R>>;
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('SQLite streams only select queries');
    for (const row of this.driver.iterate(query)) yield { rows: [row as R] };
  }
}

function settle(batch: readonly PendingWrite[]): void {
  for (const write of batch) {
    if (write.error === undefined) write.resolve(write.result);
    else write.reject(write.error);
  }
}

function run({ statement, rows }: Prepared, parameters: readonly unknown[]): QueryResult<unknown> {
  if (rows) return { rows: rows.all(parameters) };
  // Spread, as in sqlite-rows.ts: cheaper to bind than an array.
  const { changes, lastInsertRowid } = statement.run(...parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

export interface GroupCommitOptions {
  /**
   * When a write's promise resolves: once its commit is fsynced (`durable`, the default), or at
   * its COMMIT (`committed`), for a caller that waits on `durable()` before anything leaves.
   */
  readonly acknowledge?: 'durable' | 'committed';
  /** Told each statement's time and each batch's size. */
  readonly observer?: DatabaseObserver | undefined;
}
