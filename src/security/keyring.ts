import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { MASTER_KEY_BYTES } from './master-keys.js';
import { SealError } from './seal-error.js';

const VERSION = 'v1';
const CIPHER = 'aes-256-gcm';
// 96 bits is the IV length GCM is defined for (NIST SP 800-38D §5.2.1.1); other lengths get hashed.
const IV_BYTES = 12;
// The full 128-bit tag: shorter tags weaken the forgery bound, and fixing the length refuses
// a truncated tag instead of checking fewer bytes.
const TAG_BYTES = 16;
const KEY_ID_LABEL = 'twofold key id';
const KEY_ID_BYTES = 8;
const KEY_ID = /^[0-9a-f]{16}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A short public name for a key. An HMAC under the key itself is one-way, so the id stored beside
 * every ciphertext reveals nothing about the key, yet anyone holding the key can recompute it.
 */
function keyIdFor(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

/**
 * The header goes into the additional authenticated data with the context, so neither the
 * version, the key id nor the row a secret belongs to can be changed without failing the tag.
 * The key id has a fixed length, so the concatenation is unambiguous.
 */
function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');
}

function checkContext(context: string): void {
  // An empty context would bind the secret to nothing: a ciphertext copied to another row would open.
  if (typeof context !== 'string' || context === '') {
    throw new TypeError('A sealing context must be a non-empty string, e.g. "totp-secret:<authenticatorId>"');
  }
}

function copyKey(key: Uint8Array, position: number): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== MASTER_KEY_BYTES) {
    throw new TypeError(`Master key ${position} must be ${MASTER_KEY_BYTES} bytes`);
  }
  // A private copy: the caller may zero or reuse its buffer.
  return Buffer.from(key);
}

interface ParsedSealed {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

function parseSealed(sealed: string): ParsedSealed {
  if (typeof sealed !== 'string') throw new SealError('malformed', 'A sealed secret must be a string');
  const parts = sealed.split('.');
  const [version, keyId, payload] = parts;
  if (parts.length !== 3 || version !== VERSION || keyId === undefined || payload === undefined) {
    throw new SealError('malformed', `Not a sealed secret: expected "${VERSION}.<key id>.<base64url>"`);
  }
  if (!KEY_ID.test(keyId)) throw new SealError('malformed', 'Not a sealed secret: the key id is malformed');
  const bytes = Buffer.from(payload, 'base64url');
  // Only the canonical encoding is accepted, so one ciphertext has exactly one text form.
  if (!BASE64URL.test(payload) || bytes.toString('base64url') !== payload) {
    throw new SealError('malformed', 'Not a sealed secret: the payload is not base64url');
  }
  if (bytes.length < IV_BYTES + TAG_BYTES) {
    throw new SealError('malformed', 'Not a sealed secret: the payload is too short');
  }
  return {
    keyId,
    iv: bytes.subarray(0, IV_BYTES),
    ciphertext: bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES),
    tag: bytes.subarray(bytes.length - TAG_BYTES),
  };
}

/**
 * Master keys that seal and unseal secrets with AES-256-GCM. The first key is current and seals;
 * the others only unseal, so secrets sealed before a rotation keep opening until they are resealed.
 *
 * A sealed secret is one ASCII string, `v1.<key id>.<base64url(IV | ciphertext | tag)>`, safe to
 * store in a text column. The key id names the key that sealed it.
 *
 * @see NIST SP 800-38D (GCM)
 */
export class Keyring {
  // Private fields stay out of JSON.stringify and util.inspect, so a keyring logged by mistake
  // does not leak a key.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: Buffer;

  /** The id of the key that seals. */
  readonly currentKeyId: string;
  /** Ids of every key that unseals, current first. */
  readonly keyIds: readonly string[];

  private constructor(keys: readonly Buffer[]) {
    const byId = new Map<string, Buffer>();
    for (const [index, key] of keys.entries()) {
      const id = keyIdFor(key);
      if (byId.has(id)) throw new TypeError(`Master key ${index + 1} appears twice in the keyring`);
      byId.set(id, key);
    }
    this.#keys = byId;
    this.#current = keys[0]!;
    this.keyIds = Object.freeze([...byId.keys()]);
    this.currentKeyId = this.keyIds[0]!;
  }

  /**
   * @param keys - 32-byte master keys, current first. They are copied.
   * @throws {TypeError} When there is no key, a key is not 32 bytes, or a key repeats.
   */
  static fromKeys(keys: readonly Uint8Array[]): Keyring {
    if (!Array.isArray(keys) || keys.length === 0)
      throw new TypeError('A keyring needs at least one master key');
    return new Keyring(keys.map((key, index) => copyKey(key, index + 1)));
  }

  /**
   * A keyring that seals with `key` and still unseals with every key of this one. If `key` is
   * already here it moves to the front.
   */
  withNewCurrentKey(key: Uint8Array): Keyring {
    const current = copyKey(key, 1);
    const currentId = keyIdFor(current);
    const others = [...this.#keys].filter(([id]) => id !== currentId).map(([, other]) => other);
    return new Keyring([current, ...others]);
  }

  /**
   * Seals a secret under the current key with a fresh random IV.
   *
   * @param plaintext - The secret; a string is encoded as UTF-8.
   * @param context - What the secret belongs to, e.g. `totp-secret:<authenticatorId>`. It is
   *   authenticated, not stored: `unseal` needs the same context, so a ciphertext copied to
   *   another row does not open.
   */
  seal(plaintext: Uint8Array | string, context: string): string {
    checkContext(context);
    if (typeof plaintext !== 'string' && !(plaintext instanceof Uint8Array)) {
      throw new TypeError('Only a string or bytes can be sealed');
    }
    // A random 96-bit IV per seal: GCM loses both confidentiality and integrity if an IV repeats
    // under one key, and 2^32 random IVs keep that chance below 2^-32 (SP 800-38D §8.3).
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.#current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.currentKeyId, context));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    const payload = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
    return `${VERSION}.${this.currentKeyId}.${payload.toString('base64url')}`;
  }

  /**
   * Opens a sealed secret with whichever key of the keyring sealed it.
   *
   * @param sealed - What `seal` returned.
   * @param context - The context it was sealed with.
   * @throws {SealError} `malformed` when `sealed` is not a sealed secret, `unknown_key` when its
   *   key is not in the keyring, `tampered` when any byte or the context differs.
   */
  unseal(sealed: string, context: string): Buffer {
    checkContext(context);
    const { keyId, iv, ciphertext, tag } = parseSealed(sealed);
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new SealError(
        'unknown_key',
        `This secret was sealed with master key ${keyId}, which the master key in use does not include ` +
          `(keys in use: ${this.keyIds.join(', ')}); it cannot be opened without the original key`,
      );
    }
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId, context));
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    try {
      // Nothing of the plaintext is returned before the tag checks out.
      return Buffer.concat([plaintext, decipher.final()]);
    } catch (cause) {
      plaintext.fill(0);
      throw new SealError(
        'tampered',
        'This sealed secret does not authenticate: it was altered, or it belongs to another context',
        { cause },
      );
    }
  }

  /**
   * Unseals and, unless the current key sealed it, seals again under the current key: the step
   * of a key rotation. A secret already under the current key is returned as it is.
   *
   * @throws {SealError} As `unseal`.
   */
  reseal(sealed: string, context: string): string {
    const plaintext = this.unseal(sealed, context);
    try {
      return this.isSealedWithCurrentKey(sealed) ? sealed : this.seal(plaintext, context);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * The id of the key that sealed a secret, without opening it.
   *
   * @throws {SealError} `malformed` when `sealed` is not a sealed secret.
   */
  keyIdOf(sealed: string): string {
    return parseSealed(sealed).keyId;
  }

  /**
   * Whether the current key sealed this secret; when not, a rotation still has to reseal it.
   *
   * @throws {SealError} `malformed` when `sealed` is not a sealed secret.
   */
  isSealedWithCurrentKey(sealed: string): boolean {
    return this.keyIdOf(sealed) === this.currentKeyId;
  }
}
