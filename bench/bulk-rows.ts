// The rows of one bench user (see bulk-load.ts), and a worker thread that makes them: sealing
// a secret costs ~40 µs, so the loader's thread inserts one chunk while the worker makes the next.
import { randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { totpSecretContext } from '../src/core/index.js';
import { hashToken, Keyring } from '../src/security/index.js';
import { benchSecret, benchToken, benchUsername, MASTER_KEY } from './harness.js';

const SESSION_YEARS = 20;

export interface Row {
  readonly user: readonly unknown[];
  readonly authenticator: readonly unknown[];
  readonly session: readonly unknown[];
}

export const USER_COLUMNS = [
  'id',
  'username',
  'email',
  'password_hash',
  'backup_codes_confirmed',
  'created_at',
  'updated_at',
] as const;
export const AUTHENTICATOR_COLUMNS = [
  'id',
  'user_id',
  'kind',
  'name',
  'status',
  'secret_sealed',
  'algorithm',
  'digits',
  'period_seconds',
  'last_step',
  'created_at',
  'activated_at',
] as const;
export const SESSION_COLUMNS = [
  'id_hash',
  'user_id',
  'kind',
  'stage',
  'csrf_token',
  'created_at',
  'expires_at',
  'authenticated_at',
  'second_factor_at',
  'last_seen_at',
] as const;

function rowsFor(index: number, passwordHash: string, keyring: Keyring, now: number): Row {
  const userId = randomUUID();
  const authenticatorId = randomUUID();
  const username = benchUsername(index);
  return {
    user: [userId, username, `${username}@bench.test`, passwordHash, 1, now, now],
    authenticator: [
      authenticatorId,
      userId,
      'totp',
      'Phone',
      'active',
      keyring.seal(benchSecret(index), totpSecretContext(authenticatorId)),
      'sha1',
      6,
      30,
      0,
      now,
      now,
    ],
    session: [
      hashToken(benchToken(index)),
      userId,
      'api',
      'full',
      `csrf${index}`,
      now,
      now + SESSION_YEARS * 365 * 86_400_000,
      now,
      now,
      now,
    ],
  };
}

interface ChunkRequest {
  readonly start: number;
  readonly end: number;
  readonly passwordHash: string;
  readonly now: number;
}

/** Rows `from` … `from + count - 1` in chunks, made one chunk ahead in a worker thread. */
export async function* rowChunks(
  from: number,
  count: number,
  chunkSize: number,
  passwordHash: string,
  now: number,
): AsyncGenerator<Row[]> {
  // The worker loads this module through tsx, as the bench itself runs.
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`,
    { eval: true },
  );
  let fail: (error: unknown) => void = () => {};
  worker.on('error', (error) => fail(error));
  const ask = (start: number): Promise<Row[]> | undefined => {
    if (start >= from + count) return undefined;
    const request: ChunkRequest = {
      start,
      end: Math.min(from + count, start + chunkSize),
      passwordHash,
      now,
    };
    return new Promise((resolve, reject) => {
      fail = reject;
      worker.once('message', resolve);
      worker.postMessage(request);
    });
  };
  try {
    let pending = ask(from);
    for (let start = from; pending; start += chunkSize) {
      const rows = await pending;
      pending = ask(start + chunkSize);
      yield rows;
    }
  } finally {
    await worker.terminate();
  }
}

if (!isMainThread && parentPort) {
  const keyring = Keyring.fromKeys([Buffer.from(MASTER_KEY, 'base64')]);
  const port = parentPort;
  port.on('message', (request: ChunkRequest) => {
    const rows: Row[] = [];
    for (let i = request.start; i < request.end; i++)
      rows.push(rowsFor(i, request.passwordHash, keyring, request.now));
    port.postMessage(rows);
  });
}
