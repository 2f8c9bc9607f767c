import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, type Options, parseOptions, type Version, verify } from '@node-rs/argon2';
import { HashingSlots } from './hashing-slots.js';

// The package declares these as `const enum`s that vanish at runtime and cannot be read under
// `isolatedModules`, so the values are spelled out; `passwordNeedsRehash` compares against them.
const ARGON2ID = 2 as Algorithm;
const VERSION_0X13 = 1 as Version;

/**
 * argon2id with OWASP's first recommended configuration: 19 MiB of memory, 2 passes, 1 lane.
 * Memory hardness makes each guess cost an attacker with GPUs as much RAM as it costs us.
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
export const PASSWORD_HASH_PARAMETERS = Object.freeze({
  algorithm: ARGON2ID,
  version: VERSION_0X13,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} satisfies Options);

let slots = new HashingSlots();

/**
 * Sets how many hashes may run at once (see hashing-slots.ts): for the process that knows the
 * size of libuv's thread pool. Hashes already waiting finish under the old limit.
 */
export function limitConcurrentHashes(count: number): void {
  slots = new HashingSlots(count);
}

function checkPassword(password: string): void {
  if (typeof password !== 'string') throw new TypeError('A password must be a string');
}

/**
 * The same password typed on different systems may arrive as different code points (a composed
 * "é" or "e" plus a combining accent); NFKC makes them one.
 *
 * @see NIST SP 800-63B §5.1.1.2
 */
function normalize(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Hashes a password with argon2id. The work runs on libuv's thread pool, off the event loop.
 *
 * @returns A PHC string, `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, salt included.
 * @throws {TypeError} When `password` is not a string.
 */
export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  return slots.run(() => hash(normalize(password), PASSWORD_HASH_PARAMETERS));
}

/**
 * Whether `password` matches `passwordHash`, using the parameters stored in the hash.
 *
 * @returns `false` for a wrong password and for a hash that cannot be read: a damaged row must
 *   deny the sign-in, not crash it.
 * @throws {TypeError} When either argument is not a string.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (typeof passwordHash !== 'string') throw new TypeError('A password hash must be a string');
  checkPassword(password);
  try {
    return await slots.run(() => verify(passwordHash, normalize(password)));
  } catch {
    return false;
  }
}

/**
 * Whether a hash was made with other parameters than `PASSWORD_HASH_PARAMETERS`. Call it after a
 * successful `verifyPassword`, while the password is at hand, and store a fresh hash if so.
 *
 * @returns `true` also for a hash that cannot be read.
 * @throws {TypeError} When `passwordHash` is not a string.
 */
export function passwordNeedsRehash(passwordHash: string): boolean {
  if (typeof passwordHash !== 'string') throw new TypeError('A password hash must be a string');
  let used: ReturnType<typeof parseOptions>;
  try {
    used = parseOptions(passwordHash);
  } catch {
    return true;
  }
  const wanted = PASSWORD_HASH_PARAMETERS;
  return (
    used.algorithm !== wanted.algorithm ||
    used.version !== wanted.version ||
    used.memoryCost !== wanted.memoryCost ||
    used.timeCost !== wanted.timeCost ||
    used.parallelism !== wanted.parallelism ||
    used.outputLen !== wanted.outputLen
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one `verifyPassword` and returns `false`. Call it when the account does not
 * exist, so that a sign-in for an unknown user takes as long as one with a wrong password and
 * response times do not tell which accounts exist.
 *
 * The dummy hash is made once, on first use, with the current parameters and an unguessable
 * password.
 *
 * @throws {TypeError} When `password` is not a string, as `verifyPassword` does.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  checkPassword(password);
  dummyHash ??= slots.run(() => hash(randomBytes(32), PASSWORD_HASH_PARAMETERS));
  const dummy = await dummyHash;
  await slots.run(() => verify(dummy, normalize(password)));
  return false;
}
