import { describe, expect, it } from 'vitest';
import { backoffDelay, retryUntilStopped } from './retry.js';

describe('backoffDelay', () => {
  it('doubles from the first delay and stops at the cap', () => {
    const policy = { initialDelayMs: 500, maxDelayMs: 5_000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('takes up to the jitter fraction off each wait at random, never past the cap', () => {
    const policy = { initialDelayMs: 1_000, maxDelayMs: 4_000 };
    expect(backoffDelay(3, policy, () => 1)).toBe(4_000);
    expect(backoffDelay(3, policy, () => 0)).toBe(3_200);
    expect(backoffDelay(9, policy, () => 0.5)).toBe(3_600);
    const waits = Array.from({ length: 200 }, () => backoffDelay(1, policy));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1_000);
    expect(new Set(waits).size).toBeGreaterThan(10);
  });
});

describe('retryUntilStopped', () => {
  it('retries until the action succeeds, reporting each wait', async () => {
    let calls = 0;
    const waits: number[] = [];
    const done = await retryUntilStopped(
      async () => {
        if (++calls < 3) throw new Error('not yet');
      },
      { signal: new AbortController().signal, initialDelayMs: 1, onRetry: (_err, ms) => waits.push(ms) },
    );
    expect(done).toBe(true);
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it('gives up at once when stopped, even in the middle of a long wait', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const running = retryUntilStopped(
      async () => {
        throw new Error('down');
      },
      { signal: stop.signal, initialDelayMs: 60_000 },
    );
    setTimeout(() => stop.abort(), 20);
    expect(await running).toBe(false);
    // Woken by the abort, not by the 60 s wait.
    expect(Date.now() - started).toBeLessThan(60_000 / 10);
  });
});
