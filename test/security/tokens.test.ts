import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, randomId, randomToken } from '../../src/security/index.js';

describe('randomToken', () => {
  it('encodes 32 random bytes as 43 base64url characters by default', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url').length).toBe(32);
  });

  it('takes the number of random bytes', () => {
    expect(Buffer.from(randomToken(16), 'base64url').length).toBe(16);
    expect(Buffer.from(randomToken(48), 'base64url').length).toBe(48);
  });

  it('never repeats', () => {
    const tokens = Array.from({ length: 1000 }, () => randomToken());
    expect(new Set(tokens).size).toBe(1000);
  });

  it.each([15, 0, -1, 16.5, Number.NaN])('refuses %s bytes', (bytes) => {
    expect(() => randomToken(bytes)).toThrow(TypeError);
  });
});

describe('hashToken', () => {
  it('is SHA-256 in hex', () => {
    // FIPS 180-2 Appendix B.1: SHA-256("abc").
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes the UTF-8 bytes of the text', () => {
    // `printf 'p\xc3\xa4ss' | sha256sum`: "päss" as UTF-8, not as Latin-1 or UTF-16.
    expect(hashToken('p\u00e4ss')).toBe('73c2e2fd2aec66e50135a01b2a007fcc23e4d35010637f98541e453a8665d25d');
  });

  it('is deterministic and tells tokens apart', () => {
    const token = randomToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toBe(hashToken(randomToken()));
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('refuses what is not a string', () => {
    expect(() => hashToken(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('randomId', () => {
  it('is a distinct version 4 UUID each time', () => {
    const ids = Array.from({ length: 100 }, () => randomId());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(100);
  });
});
