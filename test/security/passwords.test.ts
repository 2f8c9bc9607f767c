import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  PASSWORD_HASH_PARAMETERS,
  passwordNeedsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../../src/security/index.js';

describe('passwords', () => {
  it('hashes with argon2id and the OWASP parameters, in PHC form', async () => {
    const passwordHash = await hashPassword('correct horse battery staple');
    expect(passwordHash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const passwordHash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(passwordHash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(passwordHash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(passwordHash, '')).toBe(false);
  });

  it('treats canonically equivalent Unicode as the same password', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    const passwordHash = await hashPassword(composed);
    expect(await verifyPassword(passwordHash, decomposed)).toBe(true);
    expect(await verifyPassword(passwordHash, 'cafe')).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a hash'],
    ['a truncated PHC string', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ'],
    ['a bcrypt hash', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'],
  ])('returns false for %s as the hash', async (_name, passwordHash) => {
    expect(await verifyPassword(passwordHash, 'password')).toBe(false);
  });

  it('throws a TypeError for arguments that are not strings', async () => {
    const passwordHash = await hashPassword('password');
    await expect(hashPassword(undefined as unknown as string)).rejects.toThrow(TypeError);
    await expect(verifyPassword(passwordHash, 42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(verifyPassword(null as unknown as string, 'password')).rejects.toThrow(TypeError);
    expect(() => passwordNeedsRehash({} as unknown as string)).toThrow(TypeError);
  });

  it('needs no rehash for a hash made now', async () => {
    expect(passwordNeedsRehash(await hashPassword('password'))).toBe(false);
  });

  it.each([
    ['less memory', { memoryCost: 8192 }],
    ['fewer passes', { timeCost: 1 }],
    ['more lanes', { parallelism: 2 }],
    ['a shorter output', { outputLen: 16 }],
    ['argon2i', { algorithm: 1 }],
  ])('needs a rehash for a hash made with %s, which still verifies', async (_name, change) => {
    const old = await hash('password', {
      ...PASSWORD_HASH_PARAMETERS,
      ...change,
    } as typeof PASSWORD_HASH_PARAMETERS);
    expect(await verifyPassword(old, 'password')).toBe(true);
    expect(passwordNeedsRehash(old)).toBe(true);
  });

  it('needs a rehash for a hash it cannot read', () => {
    expect(passwordNeedsRehash('not a hash')).toBe(true);
  });

  it('verifies nothing against the dummy hash', async () => {
    expect(await verifyAgainstDummy('password')).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
    await expect(verifyAgainstDummy(1 as unknown as string)).rejects.toThrow(TypeError);
  });
});
