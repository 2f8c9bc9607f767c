import { describe, expect, test } from 'vitest';
import { isoTime } from '../../src/core/iso-time.js';

/** Every answer's times go through isoTime, which keeps the text to the second between calls. */
describe('isoTime', () => {
  test('writes what Date#toISOString writes, within a second and across seconds', () => {
    const start = Date.UTC(2026, 11, 2, 23, 59, 58, 990);
    for (let millis = start; millis < start + 2_100; millis += 1) {
      expect(isoTime(millis)).toBe(new Date(millis).toISOString());
    }
  });

  test('for any time, in any order: before 1970, after 9999, and fractions of a millisecond', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const times = [
      0, -1, -999, -1_000, -1_001, 999, 1_000, 8.64e15, -8.64e15, 253_402_300_799_999, 253_402_300_800_000,
    ];
    for (let i = 0; i < 5_000; i++) times.push(Math.round((random() - 0.3) * 4e12));
    for (let i = 0; i < 100; i++) times.push(Date.UTC(2026, 0, 1) + random() * 1e6);
    for (const millis of times) {
      // Twice: once to make the second the cached one, once from the cache.
      expect(isoTime(millis), String(millis)).toBe(new Date(millis).toISOString());
      expect(isoTime(millis), String(millis)).toBe(new Date(millis).toISOString());
    }
  });

  test('refuses an invalid time as Date#toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(isoTime(8.64e15)).toBe('+275760-09-13T00:00:00.000Z');
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
    expect(isoTime(-8.64e15)).toBe('-271821-04-20T00:00:00.000Z');
    expect(() => isoTime(-8.64e15 - 1)).toThrow(RangeError);
  });
});
