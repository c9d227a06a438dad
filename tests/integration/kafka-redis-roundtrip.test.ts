import { normalizeEvent, parseEventRecord, redisKeys } from '@eventstreamapp/event-schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTopics, readTopic, type TestTopics, testKafka } from '../support/kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';

describe('the real Kafka and Redis of this run', () => {
  let topics: TestTopics;
  let store: TestRedis;

  beforeAll(async () => {
    process.stdout.write(
      `round trip through Kafka ${inject('kafkaBrokers')} and Redis ${inject('redisUrl')} (${inject('infraSource')})\n`,
    );
    topics = await createTestTopics('roundtrip');
    store = testRedis('roundtrip');
  });

  afterAll(async () => {
    await topics?.remove();
    await store?.close();
  });

  it('carries schema-valid events through a topic keyed by user and stores one in Redis', async () => {
    const records = ['alice', 'bob', 'alice'].map((user_id, i) => {
      const result = normalizeEvent({ user_id, action: `step-${i}` });
      if (!result.ok) throw new Error(result.rejection.message);
      return result.value;
    });

    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: topics.events,
      acks: -1,
      messages: records.map((r) => ({ key: r.event.user_id, value: r.json })),
    });
    await producer.disconnect();

    const read = await readTopic(topics.events, records.length);
    const parsed = read.map((m) => parseEventRecord(m.value));
    expect(parsed.every((p) => p.ok)).toBe(true);
    expect(read.map((m) => m.value?.toString()).sort()).toEqual(records.map((r) => r.json).sort());
    for (const message of read) {
      const result = parseEventRecord(message.value);
      expect(result.ok && message.key?.toString()).toBe(result.ok && result.value.event.user_id);
    }
    const aliceRecords = read.filter((m) => m.key?.toString() === 'alice');
    expect(new Set(aliceRecords.map((m) => m.partition)).size).toBe(1);

    const keys = redisKeys(store.prefix);
    const first = records[0]!;
    await store.redis
      .multi()
      .set(keys.eventKey(first.event.user_id), first.json)
      .zadd(keys.eventLog, first.event.timestamp, first.json)
      .exec();
    expect(await store.redis.get(keys.eventKey('alice'))).toBe(first.json);
    expect(await store.redis.zrange(keys.eventLog, 0, -1, 'WITHSCORES')).toEqual([
      first.json,
      String(first.event.timestamp),
    ]);
  });
});
