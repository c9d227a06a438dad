import { CONSUMER_GROUP, DLQ_TOPIC, decodeStreamEntry, EVENTS_TOPIC, redisKeys } from '@eventstreamapp/event-schema';
import { readTopicRanges } from '@eventstreamapp/pipeline';
import type { Cluster, Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { topicEnds } from '../../packages/service-kit/src/kafka/topic-ends.ts';
import type { StoreKeys } from './engines.ts';
import type { FinalDump } from './history.ts';

/**
 * What the checker reads after the last heal: the topic from its beginning, the keys, the dead letters, the offsets.
 */
export async function dumpFinalState(
  kafka: Kafka,
  redis: Redis | Cluster,
  store: StoreKeys,
  users: string[],
): Promise<FinalDump> {
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
          void records.push({
            partition,
            offset: Number(m.offset),
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? '',
          }),
        { groupPrefix: 'chaos-dump', stallTimeoutMs: 60_000 },
      );
      return { records, ends };
    };
    const names = redisKeys();
    const [events, dlq] = [await read(EVENTS_TOPIC), await read(DLQ_TOPIC)];
    const [group] = await admin.fetchOffsets({ groupId: CONSUMER_GROUP, topics: [EVENTS_TOPIC] });
    const entries = (await redis.xrange(store.stream, '-', '+')) as [string, string[]][];
    const info = (await redis.xinfo('STREAM', store.stream)) as unknown[];
    const field = (name: string) => Number(info[info.indexOf(name) + 1]);
    const stream = entries.flatMap(([id, fields]) => decodeStreamEntry(fields).map(({ json }) => ({ id, e: json })));
    // One GET a user, not MGET: users' keys lie in many slots of a cluster.
    const keys = await Promise.all(users.map((u) => redis.get(names.eventKey(u))));
    const logs = await Promise.all(store.logKeys.map((key) => redis.zrange(key, 0, -1)));
    return {
      topic: events.records,
      eventLog: logs.flat(),
      stream,
      streamWrites: { kept: field('length'), added: field('entries-added') },
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
