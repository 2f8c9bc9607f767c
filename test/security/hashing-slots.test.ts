import { describe, expect, it } from 'vitest';
import { defaultHashingSlots, HashingSlots } from '../../src/security/hashing-slots.js';

describe('HashingSlots', () => {
  it('runs at most as many jobs at once as it has slots, the rest in the order they came', async () => {
    const slots = new HashingSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const job = (id: number) =>
      slots.run(async () => {
        started.push(id);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return id;
      });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(job));
    expect(results).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('frees the slot of a job that fails', async () => {
    const slots = new HashingSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('broken hash')))).rejects.toThrow('broken hash');
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  it('defaults to one slot per core, and no more than the pool has threads', () => {
    expect(defaultHashingSlots(2, 2)).toBe(2);
    expect(defaultHashingSlots(2, 3)).toBe(2);
    // More cores than libuv's default four threads.
    expect(defaultHashingSlots(16, 4)).toBe(4);
    expect(defaultHashingSlots(1, 2)).toBe(1);
    expect(defaultHashingSlots(4, 1)).toBe(1);
    expect(defaultHashingSlots(4, 0)).toBe(1);
  });
});
