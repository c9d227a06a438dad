import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, redisKeys } from '@eventstreamapp/event-schema';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../../tests/support/events.js';
import { countRecords, createTestTopics, readTopic, type TestTopics } from '../../tests/support/kafka.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { streamEvents } from '../../tests/support/stream-events.js';
import { expectStoredExactly, startConsumer, waitFor, waitForLogSize } from './helpers.js';

describe('event-consumer storing into Redis', () => {
  let topics: TestTopics;
  let store: TestRedis;
  let env: Record<string, string>;
  let running: Awaited<ReturnType<typeof startConsumer>>[] = [];

  beforeEach(async () => {
    topics = await createTestTopics('consumer');
    store = testRedis('consumer');
    env = {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: store.prefix,
    };
    running = [];
  });

  afterEach(async () => {
    for (const consumer of running) await consumer.stop();
    await topics.remove();
    await store.close();
  });

  async function start(extra: Record<string, string> = {}) {
    const consumer = await startConsumer({ ...env, ...extra });
    running.push(consumer);
    return consumer;
  }

  it("stores every event once with its timestamp as score, and each user's key holds their newest", async () => {
    const events = makeEvents(1_000, 13);
    await produce(topics.events, events);
    await start();
    const keys = redisKeys(store.prefix);
    await expectStoredExactly(store.redis, keys.eventLog, events);
    for (let user = 0; user < 13; user++) {
      const newest = events.filter((e) => e.event.user_id === `u${user}`).at(-1)!;
      expect(await store.redis.get(keys.eventKey(`u${user}`))).toBe(newest.json);
    }
    expect(await store.redis.zrevrange(keys.eventLog, 0, 0)).toEqual([events.at(-1)!.json]);
  });

  it('still holds N members after the same records are consumed again from the first offset', async () => {
    const events = makeEvents(300, 5);
    await produce(topics.events, events);
    const keys = redisKeys(store.prefix);
    const first = await start();
    await waitForLogSize(store.redis, keys.eventLog, events.length);
    await waitFor(
      async () => (await first.metrics.stored.get()).values[0]?.value === events.length,
      10_000,
      'all stored',
    );
    await first.stop();
    running = [];

    // A new group reads the topic again from its first offset: a replay, without kafkajs' resetOffsets,
    // whose helper consumer may leave before its seek is committed (it flaked in CI).
    const second = await start({ KAFKA_GROUP_ID: `${topics.group}.replay` });
    // Every record is a duplicate now, including any the test's producer sent twice on a retry.
    const records = await countRecords(topics.events);
    await waitFor(
      async () => (await second.metrics.duplicates.get()).values[0]?.value === records,
      30_000,
      'replay seen',
    );
    expect((await second.metrics.stored.get()).values[0]?.value ?? 0).toBe(0);
    await expectStoredExactly(store.redis, keys.eventLog, events);
    expect((await streamEvents(store.redis, keys.eventStream)).events).toHaveLength(events.length);
  });

  it('sends poison records to the dead-letter topic with their reason and stores every valid one', async () => {
    const events = makeEvents(40, 4);
    const poison = [
      { key: 'p1', value: 'not json at all', reason: 'not_json' },
      { key: 'p2', value: '{"user_id":"p2","timestamp":1}', reason: 'invalid_field' },
      { key: 'p3', value: null, reason: 'empty' },
      { key: 'p4', value: JSON.stringify({ ...events[0]!.event, big: 'x'.repeat(70_000) }), reason: 'too_large' },
      { key: 'p5', value: Buffer.from([0x7b, 0xff, 0x7d]), reason: 'invalid_utf8' },
      { key: 'p6', value: '[1,2,3]', reason: 'not_object' },
      // Written straight into the topic, past the generator's bound: it would head event_log forever.
      {
        key: 'p7',
        value: JSON.stringify({ ...events[0]!.event, event_id: randomUUID(), timestamp: 253_402_300_799_000 }),
        reason: 'future_timestamp',
      },
    ];
    const mixed = [...events.slice(0, 20), ...poison, ...events.slice(20)];
    await produce(topics.events, mixed, 7);
    await start();
    const keys = redisKeys(store.prefix);
    await expectStoredExactly(store.redis, keys.eventLog, events);

    const dead = await readTopic(topics.dlq, poison.length);
    const reasons = Object.fromEntries(
      dead.map((m) => [m.key?.toString(), m.headers?.[DLQ_HEADERS.reason]?.toString()]),
    );
    expect(reasons).toEqual(Object.fromEntries(poison.map((p) => [p.key, p.reason])));
    for (const message of dead) {
      expect(message.headers?.[DLQ_HEADERS.topic]?.toString()).toBe(topics.events);
      expect(message.headers?.[DLQ_HEADERS.offset]?.toString()).toMatch(/^\d+$/);
      expect(message.headers?.[DLQ_HEADERS.partition]?.toString()).toMatch(/^[0-2]$/);
    }
    const original = dead.find((m) => m.key?.toString() === 'p1');
    expect(original?.value?.toString()).toBe('not json at all');
    expect(await store.redis.zrangebyscore(keys.eventLog, Date.now() + 3_600_000, '+inf')).toEqual([]);
  });

  it('stores an event_id once within the window, whatever its JSON: timestamp, field order, case', async () => {
    const [original] = makeEvents(1, 1);
    const { event_id: id, user_id: user, timestamp } = original!.event;
    const retries = [
      JSON.stringify({ ...original!.event, timestamp: timestamp + 5_000 }),
      JSON.stringify({ seq: 99, timestamp, user_id: user, event_id: id }),
      JSON.stringify({ ...original!.event, event_id: id.toUpperCase(), retried: true }),
    ];
    await produce(topics.events, [original!, ...retries.map((value) => ({ key: user, value }))]);
    const consumer = await start();
    await waitFor(
      async () => (await consumer.metrics.duplicates.get()).values[0]?.value === 3,
      30_000,
      'three duplicates seen',
    );
    const keys = redisKeys(store.prefix);
    expect(await store.redis.zrange(keys.eventLog, 0, -1)).toEqual([original!.json]);
    expect(await store.redis.get(keys.eventKey(user))).toBe(original!.json);
    expect((await streamEvents(store.redis, keys.eventStream)).events.map((e) => e.e)).toEqual([original!.json]);
  });

  it('appends every stored event to the live stream in storing order, capped, and announces each chunk', async () => {
    const keys = redisKeys(store.prefix);
    const notices: string[] = [];
    const subscriber = store.redis.duplicate();
    onTestFinished(() => subscriber.disconnect());
    await subscriber.subscribe(keys.storedChannel);
    subscriber.on('message', (_channel, message) => notices.push(message));
    const events = makeEvents(300, 1);
    await produce(topics.events, events);
    await start({ EVENT_STREAM_MAX_LEN: '100', WRITE_CHUNK_EVENTS: '50' });
    await waitForLogSize(store.redis, keys.eventLog, events.length);
    // Approximate trimming keeps at least the cap's events, and the newest, in order.
    const { events: streamed } = await streamEvents(store.redis, keys.eventStream);
    expect(streamed.length).toBeGreaterThanOrEqual(100);
    expect(streamed.length).toBeLessThan(300);
    // Each event carries its timestamp next to the JSON (`t`): the viewer renders it without parsing for it;
    // and its journey (`k`): the record's partition, offset and broker timestamp.
    // One user: one partition, offsets in order.
    const first = events.length - streamed.length;
    expect(streamed.map((e) => [e.e, e.t])).toEqual(
      events.slice(first).map((e) => [e.json, String(e.event.timestamp)]),
    );
    streamed.forEach(({ id, k }, i) => {
      const [, offset, published] = /^\d+:(\d+):(\d+)$/.exec(k ?? '') ?? [];
      expect(Number(offset)).toBe(first + i);
      expect(Number(published)).toBeLessThanOrEqual(Number(id.split('-')[0]));
    });
    // One notice per stored chunk (of at most 50 here): together they count every event, the last one the newest.
    const announced = () => notices.map((n) => JSON.parse(n) as { count: number; newest_timestamp: number });
    await waitFor(
      async () => announced().reduce((sum, n) => sum + n.count, 0) === events.length,
      10_000,
      'notices for every event',
    );
    expect(announced().length).toBeGreaterThanOrEqual(events.length / 50);
    for (const notice of announced()) expect(notice.count).toBeLessThanOrEqual(50);
    expect(Math.max(...announced().map((n) => n.newest_timestamp))).toBe(events.at(-1)!.event.timestamp);
  });

  it('keeps only the newest EVENT_LOG_MAX_LEN members when capped', async () => {
    const events = makeEvents(500, 3);
    await produce(topics.events, events);
    const consumer = await start({ EVENT_LOG_MAX_LEN: '100' });
    await waitFor(
      async () => (await consumer.metrics.stored.get()).values[0]?.value === events.length,
      30_000,
      'all consumed',
    );
    const keys = redisKeys(store.prefix);
    expect(await store.redis.zcard(keys.eventLog)).toBe(100);
    // Each trim keeps the newest 100 of all seen so far, so whatever the partitions' order the
    // newest 100 overall survive.
    expect(await store.redis.zrange(keys.eventLog, 0, -1)).toEqual(events.slice(-100).map((e) => e.json));
  });

  it('reports ready, stored counts and lag per partition', async () => {
    await produce(topics.events, makeEvents(30, 3));
    const consumer = await start();
    await waitFor(async () => (await fetch(`${consumer.opsUrl}/readyz`)).status === 200, 20_000, 'ready');
    // Duplicates are what the topic holds beyond the 30 events (a producer retry may send some twice).
    const extra = (await countRecords(topics.events)) - 30;
    const counted = async () => [
      (await consumer.metrics.stored.get()).values[0]?.value,
      (await consumer.metrics.duplicates.get()).values[0]?.value,
    ];
    await waitFor(async () => (await counted()).join() === `30,${extra}`, 20_000, 'stored and duplicates counted');
    // Lag is read from committed offsets, which follow the stored chunks within KAFKA_COMMIT_INTERVAL_MS.
    const caughtUp = /consumer_lag\{topic="[^"]+",partition="\d",service="event-consumer"\} 0/;
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${consumer.opsUrl}/metrics`)).text();
        return caughtUp.test(text) && text;
      },
      10_000,
      'lag 0 once the stored offsets are committed',
    );
    expect(metrics).toMatch(/events_stored_total\{service="event-consumer"\} 30/);
    expect(metrics).toMatch(new RegExp(`events_duplicate_total\\{service="event-consumer"\\} ${extra}\n`));
    expect(metrics).toMatch(/redis_write_seconds_count/);
    // Publish → stored, one observation per stored record; lag in seconds, 0 once caught up.
    expect(
      Number(/publish_to_stored_seconds_count\{service="event-consumer"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(30);
    expect(metrics).toMatch(/consumer_lag_seconds\{topic="[^"]+",partition="\d",service="event-consumer"\} 0/);
  });
});
