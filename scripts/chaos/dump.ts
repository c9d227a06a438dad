import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { readTopicRanges, topicEnds } from '../../packages/service-kit/src/topic-range.ts';
import type { FinalDump } from './history.ts';

/** What the checker reads after the last heal: the topic from its beginning, the keys, the dead letters, the offsets. */
export async function dumpFinalState(kafka: Kafka, redis: Redis, users: string[]): Promise<FinalDump> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const read = async (topic: string) => {
      const records: FinalDump['topic'] = [];
      const ends = await topicEnds(admin, topic);
      await readTopicRanges(
        kafka,
        topic,
        ends.map((e) => ({ partition: e.partition, from: e.low, to: e.high })),
        (partition, m) =>
          void records.push({ partition, offset: Number(m.offset), key: m.key?.toString() ?? null, value: m.value?.toString() ?? '' }),
        { groupPrefix: 'chaos-dump', stallTimeoutMs: 60_000 },
      );
      return { records, ends };
    };
    const [events, dlq] = [await read('events'), await read('events.dlq')];
    const [group] = await admin.fetchOffsets({ groupId: 'event-consumer', topics: ['events'] });
    const entries = (await redis.xrange('event_stream', '-', '+')) as [string, string[]][];
    const stream = entries.flatMap(([id, fields]) =>
      fields.flatMap((value, i) => (i % 2 === 0 && value === 'e' ? [{ id, e: fields[i + 1]! }] : [])),
    );
    const keys = users.length > 0 ? await redis.mget(...users.map((u) => `event:${u}`)) : [];
    return {
      topic: events.records,
      eventLog: await redis.zrange('event_log', 0, -1),
      stream,
      userKeys: Object.fromEntries(users.map((u, i) => [u, keys[i] ?? null])),
      deadLetters: dlq.records.map((r) => r.value),
      offsets: events.ends.map((e) => ({
        partition: e.partition,
        end: e.high,
        committed: Number(group?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1),
      })),
    };
  } finally {
    await admin.disconnect();
  }
}
