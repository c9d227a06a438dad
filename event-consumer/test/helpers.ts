import {
  type BucketKeys,
  bucketOf,
  type EventRecord,
  eventIdBytes,
  type RedisKeys,
  streamKeysInCluster,
} from '@eventstreamapp/event-schema';
import { createKafka, createLogger, createRedisClient } from '@eventstreamapp/service-kit';
import type { Cluster, Redis } from 'ioredis';
import { expect, inject } from 'vitest';
import { waitFor } from '../../tests/support/wait.js';
import { loadConfig } from '../src/config.js';
import { consumerKafkaRetry, createEventConsumer } from '../src/event-consumer.js';

export { waitFor };

/** A real event-consumer in this process, on its own topic, group and key prefix. */
export async function startConsumer(env: Record<string, string>) {
  const config = loadConfig({
    KAFKA_BROKERS: inject('kafkaBrokers'),
    REDIS_URL: inject('redisUrl'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger('event-consumer', config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: 'test-consumer',
    logger,
    ...consumerKafkaRetry(config),
  });
  const consumer = createEventConsumer({
    config,
    logger,
    kafka,
    redis: createRedisClient(config, {
      connectionName: 'test-consumer',
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    }),
  });
  await consumer.start();
  return consumer;
}

export async function waitForLogSize(redis: Redis, key: string, size: number, timeoutMs = 60_000): Promise<void> {
  let last = 0;
  await waitFor(
    async () => {
      last = await redis.zcard(key);
      return last >= size;
    },
    timeoutMs,
    `${size} members in ${key} (have ${last})`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last count ${last}`);
  });
}

/**
 * Waits until the log has as many members as `events`, then asserts it holds exactly those
 * events, each once, scored by its timestamp.
 */
export async function expectStoredExactly(
  redis: Redis,
  key: string,
  events: { json: string }[],
  timeoutMs = 60_000,
): Promise<void> {
  await waitForLogSize(redis, key, events.length, timeoutMs);
  const members = await redis.zrange(key, 0, -1, 'WITHSCORES');
  const stored = new Map<string, number>();
  for (let i = 0; i < members.length; i += 2) stored.set(members[i]!, Number(members[i + 1]));
  const missing = events.filter((e) => !stored.has(e.json));
  const wrongScore = events.filter(
    (e) => stored.has(e.json) && stored.get(e.json) !== (JSON.parse(e.json) as { timestamp: number }).timestamp,
  );
  expect({ members: stored.size, missing: missing.length, wrongScore: wrongScore.length }).toEqual({
    members: events.length,
    missing: 0,
    wrongScore: 0,
  });
}

/** Each stream entry's events (field `e`), in the order stored. */
async function streamJsons(cluster: Cluster, key: string): Promise<string[]> {
  const entries = await cluster.xrange(key, '-', '+');
  return entries.flatMap(([, fields]) => fields.filter((_, i) => i % 2 === 1 && fields[i - 1] === 'e'));
}

/** Every member of every bucket's log. */
export async function clusterLog(cluster: Cluster, buckets: BucketKeys[]): Promise<string[]> {
  return (await Promise.all(buckets.map((b) => cluster.zrange(b.eventLog, 0, -1)))).flat();
}

/**
 * The stored-once rule of the cluster topology: every event exactly once in its own bucket's log, and in
 * no other bucket; once in the live stream; each user's key holding their last event.
 */
export async function expectStoredOnceInCluster(
  cluster: Cluster,
  keys: RedisKeys,
  buckets: BucketKeys[],
  events: EventRecord[],
): Promise<void> {
  const misplaced: string[] = [];
  const logged: string[] = [];
  for (const [i, bucket] of buckets.entries()) {
    const members = await cluster.zrange(bucket.eventLog, 0, -1);
    for (const json of members) {
      const id = (JSON.parse(json) as { event_id: string }).event_id;
      if (bucketOf(eventIdBytes(id), buckets.length) !== i) misplaced.push(id);
    }
    logged.push(...members);
  }
  const streamed = await streamJsons(cluster, streamKeysInCluster(keys).stream);
  expect(misplaced).toEqual([]);
  expect(logged.sort()).toEqual(events.map((e) => e.json).sort());
  expect(streamed.sort()).toEqual(events.map((e) => e.json).sort());
  const last = new Map(events.map((e) => [e.event.user_id, e.json]));
  for (const [user, json] of last) expect(await cluster.get(keys.eventKey(user))).toBe(json);
}
