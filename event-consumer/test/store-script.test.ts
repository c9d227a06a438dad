import {
  DEFAULT_MAX_EVENT_BYTES,
  redisKeys,
  STREAM_ENTRY_BYTES,
  STREAM_ENTRY_EVENTS,
} from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { streamEvents } from '../../tests/support/stream-events.js';
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

  it('stores 20,000 events once each when each comes twice in a chunk, in order, user keys newest', async () => {
    const events = makeEvents(20_000, 50);
    const chunk: Accepted[] = [...events, ...events].map((record, i) => ({
      offset: String(i),
      record,
      bytes: Buffer.from(record.json),
      journey: `0:${i}:${record.event.timestamp}`,
    }));
    expect(await storeEvents(store.redis, keys, chunk, options)).toEqual({
      stored: 20_000,
      duplicates: 20_000,
      expired: 0,
    });
    expect(await store.redis.zcard(keys.eventLog)).toBe(20_000);
    // The stream holds them in order, as few entries as its bounds allow: one XADD per entry, not per event.
    const stream = await streamEvents(store.redis, keys.eventStream);
    expect(stream.events.map((e) => e.e)).toEqual(events.map((e) => e.json));
    expect(stream.events.map((e) => e.t)).toEqual(events.map((e) => String(e.event.timestamp)));
    expect(stream.events[19_999]!.k).toBe(`0:19999:${events[19_999]!.event.timestamp}`);
    expect(Math.max(...stream.perEntry)).toBe(STREAM_ENTRY_EVENTS);
    expect(stream.perEntry.length).toBe(Math.ceil(20_000 / STREAM_ENTRY_EVENTS));
    expect(await store.redis.get(keys.eventKey('u7'))).toBe(events[19_957]!.json);

    // The index holds all of them: the same chunk again stores nothing.
    expect(await storeEvents(store.redis, keys, chunk, options)).toEqual({ stored: 0, duplicates: 40_000, expired: 0 });
    expect((await streamEvents(store.redis, keys.eventStream)).events).toHaveLength(20_000);
  });

  it('stores only the new ones of a chunk that mixes stored and new events', async () => {
    const events = makeEvents(3_000, 10);
    const chunk = (list: typeof events): Accepted[] =>
      list.map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));
    await storeEvents(store.redis, keys, chunk(events.filter((_, i) => i % 2 === 0)), options);
    expect(await storeEvents(store.redis, keys, chunk(events), options)).toEqual({
      stored: 1_500,
      duplicates: 1_500,
      expired: 0,
    });
    expect(await store.redis.zcard(keys.eventLog)).toBe(3_000);
    // Events without a journey carry only e and t.
    const [[, fields]] = (await store.redis.xrange(keys.eventStream, '-', '+', 'COUNT', 1)) as [string, string[]][];
    expect(new Set(fields.filter((_, i) => i % 2 === 0))).toEqual(new Set(['e', 't']));
  });

  it('ends a stream entry before it holds more than STREAM_ENTRY_BYTES of JSON; a larger event is alone', async () => {
    const [small, large, after] = makeEvents(3, 3);
    // The record with its JSON padded to exactly `bytes`.
    const padded = (record: typeof small, bytes: number) => {
      const bare = Buffer.byteLength(JSON.stringify({ ...record!.event, pad: '' }));
      return { ...record!, json: JSON.stringify({ ...record!.event, pad: 'x'.repeat(bytes - bare) }) };
    };
    // 5 events of just under STREAM_ENTRY_BYTES / 4: four fit one entry, the fifth begins the next; then
    // the largest valid event (DEFAULT_MAX_EVENT_BYTES of JSON) alone, and a small one after it in an entry of its own.
    const quarters = makeEvents(5, 5).map((e) => padded(e, STREAM_ENTRY_BYTES / 4 - 100));
    const largest = padded(large, DEFAULT_MAX_EVENT_BYTES);
    expect(Buffer.byteLength(largest.json)).toBe(DEFAULT_MAX_EVENT_BYTES);
    const records = [...quarters, largest, padded(after, 200), small!];
    const chunk: Accepted[] = records.map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));
    expect((await storeEvents(store.redis, keys, chunk, options)).stored).toBe(records.length);
    const stream = await streamEvents(store.redis, keys.eventStream);
    expect(stream.events.map((e) => e.e)).toEqual(records.map((r) => r.json));
    expect(stream.perEntry).toEqual([4, 1, 1, 2]);
  });

  it('keeps about EVENT_STREAM_MAX_LEN events, however many a chunk holds', async () => {
    const capped = { ...options, maxStreamLength: 1_000 };
    // 40,000 events in entries of 128: 313 entries, three listpack nodes' worth past what the cap needs.
    const events = makeEvents(40_000, 50);
    for (let i = 0; i < events.length; i += 2_000) {
      const chunk: Accepted[] = events
        .slice(i, i + 2_000)
        .map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));
      await storeEvents(store.redis, keys, chunk, capped);
    }
    const stream = await streamEvents(store.redis, keys.eventStream);
    expect(Math.max(...stream.perEntry)).toBe(STREAM_ENTRY_EVENTS);
    // Approximate trimming keeps at least the cap and drops only whole listpack nodes (at most 100 entries):
    // the 8 entries the cap needs, and at most 100 more.
    expect(stream.events.length).toBeGreaterThanOrEqual(1_000);
    expect(stream.perEntry.length).toBeLessThanOrEqual(Math.ceil(1_000 / STREAM_ENTRY_EVENTS) + 100);
    expect(stream.events.length).toBeLessThanOrEqual(1_000 + 100 * STREAM_ENTRY_EVENTS);
    expect(stream.events.map((e) => e.e)).toEqual(events.slice(-stream.events.length).map((e) => e.json));
  });
});
