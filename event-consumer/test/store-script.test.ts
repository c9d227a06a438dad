import { redisKeys } from '@eventstreamapp/event-schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import type { Accepted } from '../src/plan-chunk.js';
import { type StoreOptions, storeEvents } from '../src/store-events.js';

const options: StoreOptions = {
  dedupWindowMs: 86_400_000,
  maxLogLength: 0,
  maxStreamLength: 100_000,
  retentionMs: 0,
  userKeyTtlMs: 0,
  waitReplicas: 0,
  waitTimeoutMs: 1_000,
};

/**
 * The store script works on a chunk at once — one HMGET per index shard, one variadic ZADD, one HSET per
 * shard — in slices of at most 1,000 arguments, which Lua's stack limits. These chunks are larger than one
 * slice per shard, so every slice boundary is crossed.
 */
describe('the store script on large chunks', () => {
  let store: TestRedis;
  let keys: ReturnType<typeof redisKeys>;
  beforeEach(() => {
    store = testRedis('store-script');
    keys = redisKeys(store.prefix);
  });
  afterEach(() => store.close());

  it('stores each of 20,000 events once when each comes twice in one chunk, in order, each user key its newest', async () => {
    const events = makeEvents(20_000, 50);
    const chunk: Accepted[] = [...events, ...events].map((record, i) => ({
      offset: String(i),
      record,
      bytes: Buffer.from(record.json),
      journey: `0:${i}:${record.event.timestamp}`,
    }));
    expect(await storeEvents(store.redis, keys, chunk, options)).toEqual({ stored: 20_000, duplicates: 20_000, expired: 0 });
    expect(await store.redis.zcard(keys.eventLog)).toBe(20_000);
    const stream = await store.redis.xrange(keys.eventStream, '-', '+');
    expect(stream.map(([, fields]) => fields[1])).toEqual(events.map((e) => e.json));
    expect(stream[19_999]![1].slice(4)).toEqual(['k', `0:19999:${events[19_999]!.event.timestamp}`]);
    expect(await store.redis.get(keys.eventKey('u7'))).toBe(events[19_957]!.json);

    // The index holds all of them: the same chunk again stores nothing.
    expect(await storeEvents(store.redis, keys, chunk, options)).toEqual({ stored: 0, duplicates: 40_000, expired: 0 });
    expect(await store.redis.xlen(keys.eventStream)).toBe(20_000);
  });

  it('stores only the new ones of a chunk that mixes stored and new events', async () => {
    const events = makeEvents(3_000, 10);
    const chunk = (list: typeof events): Accepted[] => list.map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));
    await storeEvents(store.redis, keys, chunk(events.filter((_, i) => i % 2 === 0)), options);
    expect(await storeEvents(store.redis, keys, chunk(events), options)).toEqual({ stored: 1_500, duplicates: 1_500, expired: 0 });
    expect(await store.redis.zcard(keys.eventLog)).toBe(3_000);
    // Entries without a journey carry only e and t.
    const [[, fields]] = (await store.redis.xrange(keys.eventStream, '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(fields).toHaveLength(4);
  });
});
