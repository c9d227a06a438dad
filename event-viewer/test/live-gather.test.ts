import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { testRedis } from '../../tests/support/redis.js';
import { createStreamReader } from '../src/live/stream-reader.js';
import type { StreamEntry } from '../src/model/stream-entry.js';

// The live reader gathers while events flow (LIVE_GATHER_MS). The gather is long (2 s) so what is asserted is
// which wait applied — none for the first entry after a quiet spell, one gather between reads while busy.
const GATHER_MS = 2_000;

describe('the live stream reader', () => {
  it('reads the first entry after a quiet spell at once and, while entries flow, once per gather', {
    timeout: 30_000,
  }, async () => {
    const { redis, prefix, close } = testRedis('live-gather');
    onTestFinished(close);
    const key = `${prefix}event_stream`;
    await redis.xadd(key, '*', 'e', 'seed');
    const reads: { at: number; entries: StreamEntry[] }[] = [];
    let started = false;
    const reader = createStreamReader({
      redis: new Redis(inject('redisUrl')),
      key,
      gatherMs: GATHER_MS,
      onStart: () => {
        started = true;
      },
      onEntries: (entries) => reads.push({ at: Date.now(), entries }),
      onError: (err) => {
        throw err;
      },
    });
    reader.start();
    onTestFinished(() => reader.stop());
    for (let waited = 0; !started && waited < 5_000; waited += 20) await sleep(20);
    await sleep(200);
    const readsBy = async (count: number) => {
      for (let waited = 0; reads.length < count && waited < 10_000; waited += 10) await sleep(10);
      return reads[count - 1]!;
    };

    // Quiet: the first entry is read at once.
    const sentAt = Date.now();
    await redis.xadd(key, '*', 'e', 'first');
    expect((await readsBy(1)).at - sentAt).toBeLessThan(GATHER_MS / 2);

    // Flowing: 20 entries 50 ms apart (1 s) are read together after the gather, not one by one.
    for (let i = 0; i < 20; i++) {
      await redis.xadd(key, '*', 'e', `flow-${i}`);
      await sleep(50);
    }
    const flowing = await readsBy(2);
    expect(flowing.entries).toHaveLength(20);
    expect(flowing.at - reads[0]!.at).toBeGreaterThanOrEqual(GATHER_MS - 50);

    // The gather over and nothing came: quiet again, the next entry is read at once.
    await sleep(GATHER_MS * 1.5);
    const againAt = Date.now();
    await redis.xadd(key, '*', 'e', 'after-quiet');
    expect((await readsBy(3)).at - againAt).toBeLessThan(GATHER_MS / 2);
  });
});
