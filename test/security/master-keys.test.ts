import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatMasterKey, generateMasterKey, parseMasterKeys } from '../../src/security/index.js';

const SOURCE = 'TWOFOLD_MASTER_KEY';

describe('parseMasterKeys', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);
  const c = randomBytes(32);

  it('reads one standard base64 key', () => {
    expect(parseMasterKeys(a.toString('base64'), SOURCE)).toEqual([a]);
  });

  it('reads URL-safe base64, with or without padding', () => {
    const key = Buffer.alloc(32, 0xfb); // encodes with "+" and "/" in standard base64
    expect(key.toString('base64')).toMatch(/[+/]/);
    expect(parseMasterKeys(key.toString('base64url'), SOURCE)).toEqual([key]);
    expect(parseMasterKeys(`${key.toString('base64url')}=`, SOURCE)).toEqual([key]);
  });

  it('reads keys separated by commas and newlines, in order, ignoring blanks and # lines', () => {
    const text = `# keys, current first\n  ${a.toString('base64')} ,${b.toString('base64url')}\r\n\n${c.toString('base64')}\n`;
    expect(parseMasterKeys(text, SOURCE)).toEqual([a, b, c]);
  });

  it('names the source and the key that is too short', () => {
    const text = `${a.toString('base64')},${randomBytes(24).toString('base64')}`;
    expect(() => parseMasterKeys(text, SOURCE)).toThrow(
      new TypeError('TWOFOLD_MASTER_KEY: key 2 is 24 bytes, expected 32 (base64 of 32 random bytes)'),
    );
  });

  it('refuses a key that is too long', () => {
    expect(() => parseMasterKeys(randomBytes(33).toString('base64'), SOURCE)).toThrow(
      /^TWOFOLD_MASTER_KEY: key 1 is 33 bytes, expected 32/,
    );
  });

  it('refuses text that is not base64 without repeating it', () => {
    const text = 'this-is-not!base64-at-all-but-is-long-enough-to-be-a-key';
    let message = '';
    try {
      parseMasterKeys(text, SOURCE);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^TWOFOLD_MASTER_KEY: key 1 is not base64/);
    expect(message).not.toContain(text);
  });

  it('refuses a mix of both base64 alphabets in one key', () => {
    const mixed = `+_${'A'.repeat(41)}=`;
    expect(() => parseMasterKeys(mixed, SOURCE)).toThrow(/key 1 is not base64/);
  });

  it.each([
    ['empty text', ''],
    ['only separators', ' ,\n, '],
    ['only comments', '# no key here\n'],
  ])('refuses %s', (_name, text) => {
    expect(() => parseMasterKeys(text, '/data/master.key')).toThrow(
      /^\/data\/master\.key: no master key found; expected base64 of 32 random bytes/,
    );
  });

  it('refuses a repeated key', () => {
    const text = [a, b, a].map((key) => key.toString('base64')).join(',');
    expect(() => parseMasterKeys(text, SOURCE)).toThrow(
      new TypeError('TWOFOLD_MASTER_KEY: key 3 repeats key 1'),
    );
  });
});

describe('generateMasterKey and formatMasterKey', () => {
  it('generates distinct 32-byte keys', () => {
    const [first, second] = [generateMasterKey(), generateMasterKey()];
    expect(first.length).toBe(32);
    expect(first.equals(second)).toBe(false);
  });

  it('formats a key as standard base64 that parses back to it', () => {
    const key = generateMasterKey();
    const text = formatMasterKey(key);
    expect(text).toBe(key.toString('base64'));
    expect(parseMasterKeys(text, SOURCE)).toEqual([key]);
  });

  it('formats only the bytes of a view, not its whole buffer', () => {
    const backing = randomBytes(64);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 16, 32);
    expect(formatMasterKey(view)).toBe(backing.subarray(16, 48).toString('base64'));
  });

  it('refuses to format a key that is not 32 bytes', () => {
    expect(() => formatMasterKey(randomBytes(31))).toThrow(TypeError);
  });
});
