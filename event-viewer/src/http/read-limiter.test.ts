import { describe, expect, it } from 'vitest';
import { createReadLimiter } from './read-limiter.js';

describe('the page read limiter', () => {
  it('runs at most maxInFlight reads at once, queues maxWaiting more in order, and refuses beyond', async () => {
    const limiter = createReadLimiter(2, 1);
    const gates: (() => void)[] = [];
    const started: number[] = [];
    const read = (n: number) => () =>
      new Promise<number>((resolve) => {
        started.push(n);
        gates.push(() => resolve(n));
      });
    const results = [1, 2, 3].map((n) => limiter.run(read(n)));
    expect(await limiter.run(read(4))).toBe('busy');
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    expect([limiter.inFlight, limiter.waiting]).toEqual([2, 1]);
    gates[0]!();
    await results[0];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([1, 2, 3]);
    gates[1]!();
    gates[2]!();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect([limiter.inFlight, limiter.waiting]).toEqual([0, 0]);
  });

  it('frees its slot when a read fails', async () => {
    const limiter = createReadLimiter(1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('Redis away')))).rejects.toThrow('Redis away');
    expect(await limiter.run(async () => 'ok')).toBe('ok');
  });
});
