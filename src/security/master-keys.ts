import { randomBytes } from 'node:crypto';

/** A master key is 32 bytes: an AES-256 key. */
export const MASTER_KEY_BYTES = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/** A new master key from the operating system's CSPRNG. */
export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** The text form of a master key: standard base64, as `parseMasterKeys` reads it. */
export function formatMasterKey(key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.length !== MASTER_KEY_BYTES) {
    throw new TypeError(`A master key must be ${MASTER_KEY_BYTES} bytes`);
  }
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
}

/**
 * Reads master keys written as base64 (standard or URL-safe), separated by commas or newlines,
 * current key first. Lines starting with `#` are comments.
 *
 * @param text - The keys, e.g. the value of `TWOFOLD_MASTER_KEY` or a key file's content.
 * @param sourceName - Where the text came from, named in every error message.
 * @throws {TypeError} When there is no key, a key is not base64, is not 32 bytes, or repeats one.
 */
export function parseMasterKeys(text: string, sourceName: string): Buffer[] {
  if (typeof text !== 'string') throw new TypeError(`${sourceName}: master keys must be text`);
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new TypeError(
      `${sourceName}: no master key found; expected base64 of ${MASTER_KEY_BYTES} random bytes ` +
        '(e.g. the output of `openssl rand -base64 32`)',
    );
  }
  const keys: Buffer[] = [];
  // Messages name a key by its position only: the key itself is a secret and must not reach a log.
  for (const [index, entry] of entries.entries()) {
    const label = `${sourceName}: key ${index + 1}`;
    if (!BASE64.test(entry)) {
      throw new TypeError(`${label} is not base64; expected base64 of ${MASTER_KEY_BYTES} random bytes`);
    }
    const key = Buffer.from(entry, 'base64');
    if (key.length !== MASTER_KEY_BYTES) {
      throw new TypeError(
        `${label} is ${key.length} bytes, expected ${MASTER_KEY_BYTES} (base64 of ${MASTER_KEY_BYTES} random bytes)`,
      );
    }
    const earlier = keys.findIndex((seen) => seen.equals(key));
    if (earlier !== -1) throw new TypeError(`${label} repeats key ${earlier + 1}`);
    keys.push(key);
  }
  return keys;
}
