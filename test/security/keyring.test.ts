import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring, SealError, type SealErrorReason } from '../../src/security/index.js';

const CONTEXT = 'totp-secret:auth-1';

function sealError(action: () => unknown): SealError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SealError);
    return error as SealError;
  }
  throw new Error('expected a SealError, nothing was thrown');
}

const reasonOf = (action: () => unknown): SealErrorReason => sealError(action).reason;

function payloadOf(sealed: string): Buffer {
  return Buffer.from(sealed.split('.')[2]!, 'base64url');
}

function withPayload(sealed: string, payload: Buffer): string {
  const [version, keyId] = sealed.split('.');
  return `${version}.${keyId}.${payload.toString('base64url')}`;
}

describe('Keyring sealing', () => {
  const keyring = Keyring.fromKeys([randomBytes(32)]);

  it('round-trips a string as UTF-8', () => {
    const sealed = keyring.seal('JBSWY3DPEHPK3PXP — é', CONTEXT);
    expect(keyring.unseal(sealed, CONTEXT).toString('utf8')).toBe('JBSWY3DPEHPK3PXP — é');
  });

  it('round-trips bytes, including none', () => {
    const secret = randomBytes(20);
    expect(keyring.unseal(keyring.seal(secret, CONTEXT), CONTEXT).equals(secret)).toBe(true);
    expect(keyring.unseal(keyring.seal(new Uint8Array(0), CONTEXT), CONTEXT).length).toBe(0);
  });

  it('writes v1.<key id>.<base64url> with a 12-byte IV and a 16-byte tag', () => {
    const sealed = keyring.seal(randomBytes(20), CONTEXT);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(keyring.currentKeyId);
    expect(payloadOf(sealed).length).toBe(12 + 20 + 16);
  });

  it('uses a fresh IV for every seal', () => {
    const seals = Array.from({ length: 50 }, () => keyring.seal('same secret', CONTEXT));
    expect(new Set(seals.map((s) => payloadOf(s).subarray(0, 12).toString('hex'))).size).toBe(50);
  });

  it('does not contain the plaintext', () => {
    const secret = Buffer.from('a very recognisable secret');
    const payload = payloadOf(keyring.seal(secret, CONTEXT));
    expect(payload.includes(secret)).toBe(false);
  });

  it('refuses to open under another context', () => {
    const sealed = keyring.seal('secret', 'totp-secret:auth-1');
    expect(reasonOf(() => keyring.unseal(sealed, 'totp-secret:auth-2'))).toBe('tampered');
  });

  it('refuses every ciphertext with any single byte flipped', () => {
    const sealed = keyring.seal(randomBytes(20), CONTEXT);
    const payload = payloadOf(sealed);
    for (let position = 0; position < payload.length; position += 1) {
      for (const mask of [0x01, 0x80]) {
        const altered = Buffer.from(payload);
        altered[position]! ^= mask;
        const error = sealError(() => keyring.unseal(withPayload(sealed, altered), CONTEXT));
        expect({ position, mask, reason: error.reason }).toEqual({ position, mask, reason: 'tampered' });
      }
    }
  });

  it('says a tampered secret does not authenticate', () => {
    const sealed = keyring.seal('secret', CONTEXT);
    expect(() => keyring.unseal(sealed, 'another')).toThrow(/does not authenticate/);
  });

  it('refuses a truncated ciphertext as tampered while it still holds an IV and a tag', () => {
    const payload = payloadOf(keyring.seal(randomBytes(20), CONTEXT));
    const sealed = keyring.seal(randomBytes(20), CONTEXT);
    expect(reasonOf(() => keyring.unseal(withPayload(sealed, payload.subarray(0, 28)), CONTEXT))).toBe(
      'tampered',
    );
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a sealed secret'],
    ['another version', 'v2.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a short key id', 'v1.0123.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['an uppercase key id', 'v1.0123456789ABCDEF.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['standard base64', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/A'],
    ['padding', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=='],
    ['a payload shorter than IV and tag', 'v1.0123456789abcdef.AAAAAAAA'],
    ['an extra part', 'v1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.x'],
  ])('refuses %s as malformed', (_name, sealed) => {
    expect(reasonOf(() => keyring.unseal(sealed, CONTEXT))).toBe('malformed');
  });

  it('refuses a real secret cut short as malformed', () => {
    const sealed = keyring.seal('secret', CONTEXT);
    expect(reasonOf(() => keyring.unseal(sealed.slice(0, 30), CONTEXT))).toBe('malformed');
  });

  it('refuses a payload in a non-canonical encoding as malformed', () => {
    const sealed = keyring.seal(randomBytes(20), CONTEXT);
    // 48 payload bytes encode to 64 characters, so a 65th character carries no whole byte.
    expect(reasonOf(() => keyring.unseal(`${sealed}A`, CONTEXT))).toBe('malformed');
  });

  it('refuses a secret sealed under a key it does not hold, naming both key ids', () => {
    const other = Keyring.fromKeys([randomBytes(32)]);
    const sealed = other.seal('secret', CONTEXT);
    const error = sealError(() => keyring.unseal(sealed, CONTEXT));
    expect(error.reason).toBe('unknown_key');
    expect(error.message).toContain(other.currentKeyId);
    expect(error.message).toContain(keyring.currentKeyId);
    expect(error.message).toMatch(/master key in use does not/);
  });

  it('refuses a key id swapped for another key of the keyring as tampered', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const both = Keyring.fromKeys([a, b]);
    const sealed = Keyring.fromKeys([a]).seal('secret', CONTEXT);
    const swapped = sealed.replace(both.keyIds[0]!, both.keyIds[1]!);
    expect(reasonOf(() => both.unseal(swapped, CONTEXT))).toBe('tampered');
  });

  it('requires a non-empty context', () => {
    expect(() => keyring.seal('secret', '')).toThrow(TypeError);
    const sealed = keyring.seal('secret', CONTEXT);
    expect(() => keyring.unseal(sealed, '')).toThrow(TypeError);
  });
});

describe('Keyring keys', () => {
  it('derives a stable key id that is not the key', () => {
    const key = randomBytes(32);
    const first = Keyring.fromKeys([key]);
    expect(first.currentKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(Keyring.fromKeys([Buffer.from(key)]).currentKeyId).toBe(first.currentKeyId);
    expect(key.toString('hex')).not.toContain(first.currentKeyId);
    expect(Keyring.fromKeys([randomBytes(32)]).currentKeyId).not.toBe(first.currentKeyId);
  });

  it('copies the keys it is given', () => {
    const key = randomBytes(32);
    const keyring = Keyring.fromKeys([key]);
    const sealed = keyring.seal('secret', CONTEXT);
    key.fill(0);
    expect(keyring.unseal(sealed, CONTEXT).toString()).toBe('secret');
  });

  it('shows no key when serialized or inspected', async () => {
    const key = randomBytes(32);
    const keyring = Keyring.fromKeys([key]);
    const { inspect } = await import('node:util');
    for (const text of [JSON.stringify(keyring), inspect(keyring, { showHidden: true, depth: 5 })]) {
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
      expect(text).not.toMatch(/<Buffer/);
    }
  });

  it.each([
    ['no key', []],
    ['a 16-byte key', [randomBytes(16)]],
    ['a 33-byte key', [randomBytes(33)]],
  ])('refuses %s with a TypeError', (_name, keys) => {
    expect(() => Keyring.fromKeys(keys)).toThrow(TypeError);
  });

  it('refuses the same key twice', () => {
    const key = randomBytes(32);
    expect(() => Keyring.fromKeys([key, randomBytes(32), Buffer.from(key)])).toThrow(
      /Master key 3 appears twice/,
    );
  });
});

describe('Keyring rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = Keyring.fromKeys([oldKey]);
  const after = Keyring.fromKeys([newKey, oldKey]);

  it('opens secrets sealed under the old key and seals under the new one', () => {
    const old = before.seal('secret', CONTEXT);
    expect(after.unseal(old, CONTEXT).toString()).toBe('secret');
    const fresh = after.seal('secret', CONTEXT);
    expect(after.keyIdOf(fresh)).toBe(after.currentKeyId);
    expect(after.keyIdOf(fresh)).not.toBe(before.currentKeyId);
    expect(reasonOf(() => before.unseal(fresh, CONTEXT))).toBe('unknown_key');
  });

  it('lists key ids current first', () => {
    expect(after.keyIds).toEqual([after.currentKeyId, before.currentKeyId]);
  });

  it('tells which key sealed a secret', () => {
    const old = before.seal('secret', CONTEXT);
    expect(after.keyIdOf(old)).toBe(before.currentKeyId);
    expect(after.isSealedWithCurrentKey(old)).toBe(false);
    expect(after.isSealedWithCurrentKey(after.seal('secret', CONTEXT))).toBe(true);
    expect(reasonOf(() => after.keyIdOf('garbage'))).toBe('malformed');
  });

  it('withNewCurrentKey puts the new key first and keeps the others', () => {
    const rotated = before.withNewCurrentKey(newKey);
    expect(rotated.keyIds).toEqual(after.keyIds);
    expect(before.keyIds).toEqual([before.currentKeyId]);
    expect(rotated.withNewCurrentKey(oldKey).keyIds).toEqual([before.currentKeyId, after.currentKeyId]);
  });

  it('reseals old secrets under the current key and leaves current ones as they are', () => {
    const old = before.seal('secret', CONTEXT);
    const resealed = after.reseal(old, CONTEXT);
    expect(after.keyIdOf(resealed)).toBe(after.currentKeyId);
    expect(Keyring.fromKeys([newKey]).unseal(resealed, CONTEXT).toString()).toBe('secret');
    expect(after.reseal(resealed, CONTEXT)).toBe(resealed);
    expect(reasonOf(() => after.reseal(old, 'another'))).toBe('tampered');
  });
});
