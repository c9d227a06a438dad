import { type EventRecord, normalizeEvent, redisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../../tests/support/events.js';
import { createTestTopics } from '../../tests/support/kafka.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { startServiceProcess } from '../../tests/support/service-process.js';
import { streamEvents } from '../../tests/support/stream-events.js';
import { waitFor } from '../../tests/support/wait.js';
import { MIN_TRIM_BUDGET, type StoreOptions, storeEvents } from '../src/store-events.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const accepted = (records: EventRecord[]): Accepted[] =>
  records.map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));

describe('retention and bounds of what the consumer keeps in Redis', () => {
  let store: TestRedis;
  let keys: ReturnType<typeof redisKeys>;
  const options = (extra: Partial<StoreOptions> = {}): StoreOptions => ({
    dedupWindowMs: DAY,
    maxLogLength: 0,
    maxStreamLength: 1_000,
    retentionMs: 7 * DAY,
    userKeyTtlMs: 0,
    waitReplicas: 0,
    waitTimeoutMs: 1_000,
    ...extra,
  });

  beforeEach(() => {
    store = testRedis('retention');
    keys = redisKeys(store.prefix);
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps in event_log only the events of the last EVENT_RETENTION, of events spread over 30 days', async () => {
    const now = Date.now();
    // One event an hour for 30 days, oldest first, in chunks as a consumer would store them.
    const events = makeEvents(30 * 24, 24, now - 30 * DAY).map((e, i) => retimed(e, now - 30 * DAY + i * HOUR));
    for (let i = 0; i < events.length; i += 100)
      await storeEvents(store.redis, keys, accepted(events.slice(i, i + 100)), options({ now: () => now }));
    const kept = events.filter((e) => e.event.timestamp >= now - 7 * DAY);
    expect(await store.redis.zrange(keys.eventLog, 0, -1)).toEqual(kept.map((e) => e.json));
    expect((await streamEvents(store.redis, keys.eventStream)).events.map((e) => e.e)).toEqual(kept.map((e) => e.json));
  });

  it('takes EVENT_RETENTION from its environment as a running consumer: 7 days unless told, 1h when set', {
    timeout: 120_000,
  }, async () => {
    const now = Date.now();
    const dated = (user: string, ageMs: number) => {
      const result = normalizeEvent(
        { user_id: user, action: 'aged' },
        { now: () => now - ageMs, timestampWindow: { minMs: 0, maxFutureMs: DAY } },
      );
      if (!result.ok) throw new Error(result.rejection.message);
      return result.value;
    };
    for (const [retention, kept, dropped] of [
      [undefined, dated('six-days', 6 * DAY), dated('eight-days', 8 * DAY)],
      ['1h', dated('half-hour', HOUR / 2), dated('two-hours', 2 * HOUR)],
    ] as const) {
      const topics = await createTestTopics('retention-env');
      onTestFinished(() => topics.remove());
      const consumer = startServiceProcess('event-consumer', {
        KAFKA_TOPIC: topics.events,
        KAFKA_DLQ_TOPIC: topics.dlq,
        KAFKA_GROUP_ID: topics.group,
        REDIS_KEY_PREFIX: store.prefix,
        ...(retention ? { EVENT_RETENTION: retention } : {}),
      });
      onTestFinished(async () => void (await consumer.stop('SIGKILL')));
      await produce(topics.events, [dropped, kept]);
      await waitFor(
        async () => (await store.redis.get(keys.eventKey(kept.event.user_id))) === kept.json,
        30_000,
        'both stored',
      );
      expect(await store.redis.get(keys.eventKey(dropped.event.user_id)), String(retention)).toBe(dropped.json);
      expect(await store.redis.zscore(keys.eventLog, kept.json), String(retention)).not.toBeNull();
      expect(await store.redis.zscore(keys.eventLog, dropped.json), String(retention)).toBeNull();
      await consumer.stop('SIGTERM');
    }
  });

  it('a late event older than the retention updates its user key but not event_log', async () => {
    const now = Date.now();
    const [recent] = makeEvents(1, 1, now - HOUR);
    const late = retimed(makeEvents(1, 1)[0]!, now - 10 * DAY);
    await storeEvents(store.redis, keys, accepted([recent!]), options({ now: () => now }));
    const result = await storeEvents(store.redis, keys, accepted([late]), options({ now: () => now }));
    expect(result).toEqual({ stored: 0, duplicates: 0, expired: 1 });
    expect(await store.redis.zrange(keys.eventLog, 0, -1)).toEqual([recent!.json]);
    expect(await store.redis.get(keys.eventKey('u0'))).toBe(late.json);
    // Seen once, it is a duplicate after that, like any stored event.
    expect(await storeEvents(store.redis, keys, accepted([late]), options({ now: () => now }))).toEqual({
      stored: 0,
      duplicates: 1,
      expired: 0,
    });
  });

  it('drains a log past its retention over several chunks, at most the trim budget each', async () => {
    const now = Date.now();
    const old = makeEvents(MIN_TRIM_BUDGET * 3, 10, now - 20 * DAY);
    for (let i = 0; i < old.length; i += 1_000)
      await storeEvents(store.redis, keys, accepted(old.slice(i, i + 1_000)), options({ retentionMs: 0 }));
    expect(await store.redis.zcard(keys.eventLog)).toBe(old.length);
    const fresh = makeEvents(3, 1, now);
    for (const [i, event] of fresh.entries()) {
      await storeEvents(store.redis, keys, accepted([event]), options({ now: () => now }));
      expect(await store.redis.zcard(keys.eventLog)).toBe(old.length - (i + 1) * MIN_TRIM_BUDGET + i + 1);
    }
    expect(await store.redis.zrange(keys.eventLog, 0, -1)).toEqual(fresh.map((e) => e.json));
  });

  it('USER_KEY_TTL expires an idle user key and keeps an active one', async () => {
    const ttl = { userKeyTtlMs: 1_500 };
    await storeEvents(store.redis, keys, accepted(makeEvents(2, 2)), options(ttl));
    const active = makeEvents(1, 1)[0]!;
    // The active user comes back once most of the TTL has run (Redis' own clock says when), so its key
    // outlives the idle one's by that much.
    await waitFor(async () => (await store.redis.pttl(keys.eventKey('u1'))) < 700, 5_000, 'most of the TTL to pass');
    await storeEvents(store.redis, keys, accepted([active]), options(ttl));
    await waitFor(
      async () => (await store.redis.exists(keys.eventKey('u1'))) === 0,
      5_000,
      'the idle user key to expire',
    );
    expect(await store.redis.get(keys.eventKey('u0'))).toBe(active.json);
    expect(await store.redis.pttl(keys.eventKey('u0'))).toBeGreaterThan(0);
    // The log keeps both users' events: the TTL bounds only the per-user keys.
    expect(await store.redis.zcard(keys.eventLog)).toBe(3);
  });

  it('remembers an event_id for at least the dedup window, then forgets it with its whole bucket', async () => {
    const window = 10 * 60_000;
    const t0 = Math.floor(Date.now() / window) * window;
    const [event] = makeEvents(1, 1);
    const at = (now: number) => options({ dedupWindowMs: window, retentionMs: 0, now: () => now });
    expect((await storeEvents(store.redis, keys, accepted([event!]), at(t0))).stored).toBe(1);
    expect((await storeEvents(store.redis, keys, accepted([event!]), at(t0 + window - 1))).duplicates).toBe(1);
    expect(
      (await storeEvents(store.redis, keys, accepted([event!]), at(t0 + window + window / 2 - 1))).duplicates,
    ).toBe(1);
    const bucketKeys = async () => (await store.redis.keys(`${keys.eventIds}:*`)).length;
    expect(await bucketKeys()).toBeGreaterThan(0);
    // Two windows on, its bucket is gone: the id is new again, and the old shards were deleted whole.
    const later = await storeEvents(store.redis, keys, accepted([event!]), at(t0 + 2 * window));
    expect(later.stored + later.duplicates).toBe(1);
    expect(later.duplicates).toBe(0);
    const first = String(t0 / (window / 2));
    expect(await store.redis.hkeys(keys.eventIds)).not.toContain(first);
    expect(await store.redis.keys(`${keys.eventIds}:${first}:*`)).toEqual([]);
  });

  it('holds the dedup index at about 21 bytes an id once the rate is known', async () => {
    const window = 10 * 60_000;
    const t0 = Math.floor(Date.now() / window) * window;
    const write = async (count: number, now: number) => {
      const events = makeEvents(count, 100);
      for (let i = 0; i < events.length; i += 2_000) {
        await storeEvents(
          store.redis,
          keys,
          accepted(events.slice(i, i + 2_000)),
          options({ dedupWindowMs: window, now: () => now }),
        );
      }
    };
    // The first bucket learns the rate; the next one is sharded for it.
    await write(20_000, t0);
    const firstBucket = new Set(await store.redis.keys(`${keys.eventIds}:*`));
    await write(20_000, t0 + window / 2);
    const secondBucket = (await store.redis.keys(`${keys.eventIds}:*`)).filter((k) => !firstBucket.has(k));
    let bytes = 0;
    for (const key of secondBucket) bytes += Number(await store.redis.memory('USAGE', key, 'SAMPLES', '0'));
    const encodings = new Set(await Promise.all(secondBucket.map((k) => store.redis.object('ENCODING', k))));
    expect(encodings).toEqual(new Set(['listpack']));
    expect(bytes / 20_000).toBeLessThan(30);
  });
});

function retimed(record: EventRecord, timestamp: number): EventRecord {
  const event = { ...record.event, timestamp };
  return { ...record, event, json: JSON.stringify(event) } as EventRecord;
}
