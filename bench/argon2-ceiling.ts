// The login suite's ceiling: raw argon2id verifications per second with @node-rs/argon2, in a
// process of its own whose libuv pool has one thread per core.
//
// Why not in the bench process: libuv sizes its pool once, when it is first used, and the bench
// process has the default four threads. Four hashes at a time on two cores verify fewer a second
// than two (10–15% fewer in alternating runs), so a ceiling
// measured there understates the limit the login goal is set against.
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { verify } from '@node-rs/argon2';
import { BENCH_PASSWORD, CONNECTIONS, cpuSeconds, type LoadResult, loadResult } from './harness.js';

interface CeilingRequest {
  readonly hash: string;
  readonly seconds: number;
}

export interface Argon2Ceiling {
  /** Verifies `hash` against the bench password, `CONNECTIONS` in flight, for `seconds`. */
  measure(seconds: number): Promise<LoadResult>;
  /** CPU seconds the ceiling's process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const thisFile = fileURLToPath(import.meta.url);

/** The environment of a process that hashes with one libuv pool thread per core: the ceiling's, and the floor's. */
export const ONE_POOL_THREAD_PER_CORE = { UV_THREADPOOL_SIZE: String(availableParallelism()) };

export function startArgon2Ceiling(hash: string): Argon2Ceiling {
  const child: ChildProcess = fork(thisFile, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...ONE_POOL_THREAD_PER_CORE },
  });
  let exited: Error | undefined;
  child.once('exit', (code) => {
    exited = new Error(`the argon2 ceiling's process exited with ${code}`);
  });
  return {
    measure: (seconds) =>
      new Promise((resolve, reject) => {
        if (exited) return reject(exited);
        const onExit = () => reject(exited);
        child.once('exit', onExit);
        child.once('message', (result) => {
          child.off('exit', onExit);
          resolve(result as LoadResult);
        });
        child.send({ hash, seconds } satisfies CeilingRequest);
      }),
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Raw argon2id verifications per second, `CONNECTIONS` at a time, in this process. */
async function argon2Ceiling({ hash, seconds }: CeilingRequest): Promise<LoadResult> {
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      if (await verify(hash, BENCH_PASSWORD)) ok++;
      else failed++;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return loadResult({ ok, non2xx: failed, errors: 0 }, latencies, elapsed);
}

// The ceiling's process: measures on request, and ends with the bench that forked it.
if (process.argv[1] === thisFile && process.send) {
  process.on('message', (request: CeilingRequest) => {
    argon2Ceiling(request).then((result) => process.send!(result));
  });
  process.on('disconnect', () => process.exit(0));
}
