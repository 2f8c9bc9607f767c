import { availableParallelism } from 'node:os';

/**
 * At most one argon2 hash per core at a time; the rest wait here, in order.
 *
 * Hashes run on libuv's thread pool, which also does the server's file I/O — among it the fsync
 * that makes every SQLite commit durable. Without a limit, 50 logins queue 50 hashes in the
 * pool and a commit's fsync waits behind all of them (seen: logins stalled for seconds). More
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
 * One per core, and always one pool thread fewer than libuv has: on a machine with more cores
 * than pool threads, hashes alone would fill the pool. The pool has 4 threads unless
 * `UV_THREADPOOL_SIZE` said otherwise before it started (bin/twofold.js; the CLI passes it).
 */
export function defaultHashingSlots(cores = availableParallelism(), poolThreads = 4): number {
  return Math.max(1, Math.min(cores, poolThreads - 1));
}
