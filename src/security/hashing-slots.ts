import { availableParallelism } from 'node:os';

/**
 * At most one argon2 hash per core at a time; the rest wait here, in order.
 *
 * Hashes run on libuv's thread pool, which also does the server's file I/O — among it the fsync
 * that makes every SQLite commit durable. Without a limit, 50 logins queue 50 hashes in the
 * pool and a commit's fsync waits behind all of them (seen: logins stalled for seconds); with
 * it, behind at most the hashes already running, and only until the first of them ends. More
 * hashes at once than cores would not finish sooner either, and each holds 19 MiB.
 */
export class HashingSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(slots = defaultHashingSlots()) {
    this.#free = Math.max(1, slots);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    }
  }
}

/**
 * One per core, and no more than the pool has threads (4 unless `UV_THREADPOOL_SIZE` said
 * otherwise before it started; bin/twofold.js sizes it to the cores, the CLI passes it).
 *
 * No thread is kept free of hashes for file I/O. In a pool with one spare thread each hash starts
 * on whichever thread is waiting, so two hashes move over three threads; on two cores that
 * verified 12–16% fewer a second (measured with `npm run bench`). File I/O that finds every
 * thread hashing waits for the first to end, a few milliseconds; on a busy server the WAL's
 * fsync mostly runs in the checkpointer's thread instead (store/sqlite-wal-durability.ts).
 */
export function defaultHashingSlots(cores = availableParallelism(), poolThreads = 4): number {
  return Math.max(1, Math.min(cores, poolThreads));
}
