import { close, closeSync, fsync, open } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Durable SQLite commits that do not stop the event loop.
 *
 * With `synchronous=FULL`, every COMMIT fsyncs the WAL on the calling thread, and every 1,000
 * WAL pages a COMMIT also runs a checkpoint (copying pages into the database file and fsyncing
 * it): better-sqlite3 is synchronous, so the whole server waits for the disk. Measured on the
 * bench database: ~3 ms of fsync and ~4–6 ms of checkpointing per batch, all on the event loop.
 *
 * Instead the connection runs with `synchronous=NORMAL` (COMMIT writes the WAL, no fsync) and
 * `wal_autocheckpoint=0`, and this class
 * - fsyncs the WAL file after each commit; nothing is reported done before that fsync — by the
 *   driver for each write, or, in the server, by holding every answer and e-mail until the fsync
 *   that covers everything committed before it (src/store/group-commit-sqlite.ts) — so what
 *   anyone is told is on disk, exactly as with FULL; commits made while an fsync runs share the
 *   next one;
 * - runs PASSIVE checkpoints from a worker thread with a connection of its own, which never
 *   blocks the writer. Once that worker runs, it does the fsyncs too, when it is not
 *   checkpointing; the rest run on libuv's thread pool. Not all of them there: the pool's
 *   threads, one per core, are argon2's too (src/security/hashing-slots.ts), and an fsync queued
 *   behind two hashes held every answer of a verify load for up to a hash's time (20% fewer
 *   verifications beside a login load; measured with `npm run bench`). Nor all in the worker: a
 *   checkpoint under the verify load takes long enough that fsyncs waiting for it cost ~9%;
 * - keeps the WAL from growing without end. SQLite writes the WAL from its start again only when
 *   a write transaction begins while every frame is already copied back, and under steady load a
 *   commit always lands while a background checkpoint runs: the WAL grew by ~40 MB a second on
 *   the bench and never shrank. So when a checkpoint reports a WAL past `restartAfterFrames`, the
 *   writer (group-commit-sqlite.ts) holds its commits — queued, the event loop runs on — while
 *   the worker copies the few frames written since, and the next commit starts the WAL over.
 *
 * One difference from FULL remains: the process may act on a committed row a few milliseconds
 * before its fsync finishes. Whatever it then says waits for that fsync.
 */
export class SqliteWalDurability {
  readonly #walFile: string;
  readonly #directory: string;
  #walFd: number | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #waiting: Deferred | undefined;
  /** The fsync under way, if any. */
  #syncing: Deferred | undefined;
  #checkpointer: Worker | undefined;
  /** Ends the fsync handed to the checkpointer, when one is. */
  #finishInWorker: ((error: Error | null) => void) | undefined;
  /** Checkpoints asked of the worker and not yet reported: while any, fsyncs go to the pool. */
  #checkpointsUnderWay = 0;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #commits = 0;
  #closed = false;
  readonly #syncEveryCommit: boolean;
  readonly #checkpointIntervalMs: number;
  readonly #restartAfterFrames: number;
  readonly #onFsync: ((seconds: number) => void) | undefined;
  /** Told when the WAL should start over; the writer then calls `catchUp` with its commits held. */
  #onRestartDue: (() => void) | undefined;
  /** The answer awaited from the worker's catch-up checkpoint. */
  #catchingUp: Deferred | undefined;

  /**
   * @param options.syncEveryCommit `false` for `TWOFOLD_SQLITE_SYNCHRONOUS=NORMAL`: commits are
   *   not fsynced (a power loss may lose the last ones), checkpoints still leave the event loop.
   * @param options.checkpointIntervalMs How often the worker checkpoints (tests shorten it).
   * @param options.restartAfterFrames WAL frames (pages) past which the WAL is made to start over.
   * @param options.onFsync Told how long each fsync took, in seconds (metrics).
   */
  constructor(
    private readonly databaseFile: string,
    options: {
      readonly syncEveryCommit: boolean;
      readonly checkpointIntervalMs?: number;
      readonly restartAfterFrames?: number;
      readonly onFsync?: ((seconds: number) => void) | undefined;
    },
  ) {
    this.#walFile = `${databaseFile}-wal`;
    this.#directory = dirname(databaseFile);
    this.#syncEveryCommit = options.syncEveryCommit;
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS;
    this.#restartAfterFrames = options.restartAfterFrames ?? RESTART_AFTER_FRAMES;
    this.#onFsync = options.onFsync;
  }

  /** The writer's hook: called when the WAL is long enough to be started over (see the class). */
  onRestartDue(listener: () => void): void {
    this.#onRestartDue = listener;
  }

  /**
   * With the writer's commits held: has the worker copy back what is left of the WAL, so that the
   * next write transaction starts it over. Resolves when it has, or after `CATCH_UP_TIMEOUT_MS`
   * (a worker that died or hangs must not hold the writes for long).
   */
  catchUp(): Promise<void> {
    const worker = this.#checkpointer;
    if (!worker || this.#closed) return Promise.resolve();
    if (!this.#catchingUp) {
      const answer = deferred();
      this.#catchingUp = answer;
      const timer = setTimeout(() => answer.resolve(), CATCH_UP_TIMEOUT_MS);
      answer.promise.finally(() => {
        clearTimeout(timer);
        if (this.#catchingUp === answer) this.#catchingUp = undefined;
      });
      this.#askCheckpoint(worker, true);
    }
    return this.#catchingUp.promise;
  }

  /** Called after each COMMIT; resolves when everything committed so far is on disk. */
  sync(): Promise<void> {
    // Short-lived processes (the CLI, most tests) never need a checkpointer: the last
    // connection to close checkpoints anyway.
    this.#commits += 1;
    if (this.#commits >= CHECKPOINTER_AFTER_COMMITS && !this.#checkpointer) this.#startCheckpointer();
    if (!this.#syncEveryCommit) return Promise.resolve();
    this.#waiting ??= deferred();
    const { promise } = this.#waiting;
    this.#startWhenDue();
    return promise;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (let pending = this.#waiting ?? this.#syncing; pending; pending = this.#waiting ?? this.#syncing) {
      await pending.promise.catch(() => {});
    }
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
    const worker = this.#checkpointer;
    this.#checkpointer = undefined;
    clearInterval(this.#checkpointTimer);
    if (worker) {
      // Closed before the server's own connection, so that one is the last and, as SQLite does
      // for the last connection, checkpoints everything and removes the WAL.
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Held until it has exited: its last checkpoint may take a while, and a process with
      // nothing else to do would otherwise end inside this await, its database never closed.
      // A checkpointer that never answers is stopped rather than holding the shutdown for ever:
      // the WAL is intact, and the next open recovers it.
      worker.ref();
      worker.postMessage('close');
      const stuck = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(stuck);
    }
  }

  /**
   * Starts the next fsync, but not sooner than `MIN_SYNC_INTERVAL_MS` after the last one began.
   * An fsync costs ~0.3–0.4 ms of CPU here whatever it carries; under load, back-to-back fsyncs
   * would spend a fifth of a core on them, while a short wait lets each carry more commits.
   * An fsync after a quiet spell starts at once.
   */
  #startWhenDue(): void {
    if (this.#syncing || this.#timer || !this.#waiting) return;
    const wait = this.#lastStart + MIN_SYNC_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      this.#runSync();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startWhenDue();
    }, wait);
  }

  #runSync(): void {
    const batch = this.#waiting;
    if (!batch) return;
    this.#waiting = undefined;
    this.#syncing = batch;
    const started = performance.now();
    this.#lastStart = started;
    const finish = (error: Error | null) => {
      this.#onFsync?.((performance.now() - started) / 1000);
      this.#syncing = undefined;
      if (error) batch.reject(error);
      else batch.resolve();
      this.#startWhenDue();
    };
    if (this.#walFd !== undefined) {
      const worker = this.#checkpointer;
      if (worker && this.#checkpointsUnderWay === 0) {
        this.#finishInWorker = finish;
        // Held until the answer, or a process with nothing else to do would exit without it.
        worker.ref();
        worker.postMessage({ fsync: this.#walFd } satisfies SyncRequest);
      } else {
        fsync(this.#walFd, finish);
      }
      return;
    }
    // The first time: open the WAL (kept open: SQLite removes it only when the last connection
    // closes, and ours stays open until `close`), and sync its directory entry too, so a WAL
    // created just now survives a power loss as well.
    open(this.#walFile, 'r', (openError, fd) => {
      if (openError) return finish(openError);
      this.#walFd = fd;
      fsync(fd, (syncError) => {
        if (syncError) return finish(syncError);
        open(this.#directory, 'r', (dirError, dirFd) => {
          if (dirError) return finish(dirError);
          fsync(dirFd, (dirSyncError) => close(dirFd, () => finish(dirSyncError)));
        });
      });
    });
  }

  #startCheckpointer(): void {
    if (this.#checkpointer || this.#closed) return;
    const worker = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      // It runs one pragma: a small heap keeps the server's resident memory down.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
      workerData: {
        file: this.databaseFile,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      },
    });
    // A checkpoint that fails is retried at the next interval; a checkpointer that died is
    // replaced at the next commit. The WAL just grows meanwhile. Each checkpoint reports the
    // WAL's length; a catch-up (asked for by `catchUp`) says when it is done.
    worker.on('exit', () => {
      this.#catchingUp?.resolve();
      if (this.#checkpointer !== worker) return;
      this.#checkpointer = undefined;
      clearInterval(this.#checkpointTimer);
      this.#checkpointsUnderWay = 0;
      // An fsync it was asked for may not have run: run it here.
      const finish = this.#takeFinishInWorker();
      if (finish && this.#walFd !== undefined) fsync(this.#walFd, finish);
      else finish?.(new Error('The checkpointer stopped before the WAL was synced'));
    });
    worker.on('message', (report: CheckpointReport | SyncReport) => {
      if ('synced' in report) {
        this.#takeFinishInWorker()?.(report.error === null ? null : new Error(report.error));
        return;
      }
      this.#checkpointsUnderWay -= 1;
      if (report.catchUp) this.#catchingUp?.resolve();
      else if (report.log >= this.#restartAfterFrames && !this.#catchingUp) this.#onRestartDue?.();
    });
    worker.on('error', () => {});
    worker.unref();
    this.#checkpointer = worker;
    // Timed from here, so that this thread knows when the worker is busy (see the class).
    this.#checkpointTimer = setInterval(() => {
      if (this.#checkpointsUnderWay === 0) this.#askCheckpoint(worker, false);
    }, this.#checkpointIntervalMs);
    this.#checkpointTimer.unref();
  }

  #askCheckpoint(worker: Worker, catchUp: boolean): void {
    this.#checkpointsUnderWay += 1;
    worker.postMessage({ checkpoint: catchUp ? 'catch-up' : 'scheduled' } satisfies CheckpointRequest);
  }

  #takeFinishInWorker(): ((error: Error | null) => void) | undefined {
    const finish = this.#finishInWorker;
    this.#finishInWorker = undefined;
    this.#checkpointer?.unref();
    return finish;
  }
}

/**
 * See `#startWhenDue`. 4 rather than 2 since a request waits for one fsync, not one per round of
 * writes: alternating verify runs gave 2,855-3,603/s at 289-384 us CPU against 2,544-3,411/s at
 * 312-435 us with 2 ms; 6 ms was no better.
 */
const MIN_SYNC_INTERVAL_MS = 4;

/** Commits after which a process starts checkpointing in the background. */
const CHECKPOINTER_AFTER_COMMITS = 64;

/** How long `close` waits for the checkpointer's last checkpoint before it stops the worker. */
const CLOSE_TIMEOUT_MS = 30_000;

/** How often the WAL is copied back into the database file. */
const CHECKPOINT_INTERVAL_MS = 250;

/**
 * WAL frames (4 KiB pages) past which the WAL is made to start over: 16 MiB, a quarter of a
 * second at the bench's ~4,500 verifications a second of 4–5 frames each. Each time, the writes
 * wait a few milliseconds (`catchUp`).
 */
const RESTART_AFTER_FRAMES = 4096;

/** The longest the writes are held for a catch-up checkpoint. */
const CATCH_UP_TIMEOUT_MS = 1_000;

/** What the worker posts after each checkpoint: the WAL's length from `wal_checkpoint`. */
interface CheckpointReport {
  /** Frames in the WAL. */
  readonly log: number;
  /** True for the checkpoint `catchUp` asked for. */
  readonly catchUp: boolean;
}

/** What the server asks of the checkpointer: a checkpoint; `catch-up` for `catchUp`. */
interface CheckpointRequest {
  readonly checkpoint: 'scheduled' | 'catch-up';
}

/** Or to fsync the WAL's descriptor (shared by the threads). */
interface SyncRequest {
  readonly fsync: number;
}

/** Its answer: the fsync's error message, or null. */
interface SyncReport {
  readonly synced: true;
  readonly error: string | null;
}

// Plain CommonJS, evaluated in the worker: it runs the same from the sources (tests) and the build.
const CHECKPOINTER_SOURCE = `
const { fsyncSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('cache_size = -512');
function checkpoint(catchUp) {
  let report = { log: 0, catchUp };
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    report = { log: row.log, catchUp };
  } catch {}
  parentPort.postMessage(report);
}
parentPort.on('message', (message) => {
  if (typeof message === 'object' && message !== null && 'checkpoint' in message) {
    return checkpoint(message.checkpoint === 'catch-up');
  }
  if (typeof message === 'object' && message !== null && 'fsync' in message) {
    let error = null;
    try {
      fsyncSync(message.fsync);
    } catch (failure) {
      error = String((failure && failure.message) || failure);
    }
    return parentPort.postMessage({ synced: true, error });
  }
  db.close();
  parentPort.close();
});
`;

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
