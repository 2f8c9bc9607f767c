import { describe, expect, it } from 'vitest';
import { timingSafeEqualStrings } from '../../src/security/index.js';

describe('timingSafeEqualStrings', () => {
  it.each([
    ['equal strings', 'secret-token', 'secret-token', true],
    ['two empty strings', '', '', true],
    ['equal non-ASCII strings', 'pässwörd ✓', 'pässwörd ✓', true],
    ['a different last character', 'secret-token', 'secret-tokem', false],
    ['a prefix', 'secret', 'secret-token', false],
    ['an empty and a non-empty string', '', 'x', false],
    ['different case', 'Token', 'token', false],
  ])('compares %s', (_name, a, b, equal) => {
    expect(timingSafeEqualStrings(a, b)).toBe(equal);
    expect(timingSafeEqualStrings(b, a)).toBe(equal);
  });

  it('refuses what is not a string', () => {
    expect(() => timingSafeEqualStrings('a', undefined as unknown as string)).toThrow(TypeError);
    expect(() => timingSafeEqualStrings(1 as unknown as string, '1')).toThrow(TypeError);
  });
});
