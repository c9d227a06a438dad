import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.js';

describe('the publish rate limiter', () => {
  it('lets a burst through, counts events not requests, refills at the rate, and keeps clients apart', () => {
    let clock = 0;
    const limiter = createRateLimiter(100, 200, 10, () => clock);
    expect(limiter.take('a', 150)).toEqual({ allowed: true, remaining: 50, resetSeconds: 2 });
    expect(limiter.take('a', 60)).toEqual({ allowed: false, remaining: 50, resetSeconds: 1 });
    expect(limiter.take('b', 200)).toMatchObject({ allowed: true, remaining: 0 });
    clock += 500;
    expect(limiter.take('a', 100)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.take('a', 1)).toMatchObject({ allowed: false, resetSeconds: 1 });
    clock += 10_000;
    expect(limiter.take('a', 200)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('never holds more than maxClients buckets; a forgotten client starts full', () => {
    const clock = 0;
    const limiter = createRateLimiter(1, 5, 2, () => clock);
    limiter.take('a', 5);
    expect(limiter.take('a', 1)).toMatchObject({ allowed: false });
    limiter.take('b', 1);
    limiter.take('c', 1);
    expect(limiter.clients).toBe(2);
    expect(limiter.take('a', 5)).toMatchObject({ allowed: true });
    // A thousand addresses, one request each: still two buckets.
    for (let i = 0; i < 1_000; i++) limiter.take(`address-${i}`, 1);
    expect(limiter.clients).toBe(2);
  });
});
