import type { EventRecord } from '@eventstreamapp/event-schema';
import { type RedisKeys, redisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { Redis } from 'ioredis';
import { loadConfig } from '../../event-consumer/src/config.js';
import { type StoreOptions, storeEvents } from '../../event-consumer/src/store-events.js';
import { REDIS_URL } from './stack.js';

export function benchRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

/**
 * The consumer's own Redis write (`storeEvents`: the store script per chunk, with its default
 * settings) fed directly, without Kafka: the Redis ceiling, measured on the same code.
 */
/** The consumer's store settings at their defaults, as it passes them to `storeEvents`. */
export function defaultStoreOptions(now?: () => number): StoreOptions {
  const config = loadConfig({});
  return {
    dedupWindowMs: config.DEDUP_WINDOW_MS,
    maxLogLength: config.EVENT_LOG_MAX_LEN,
    retentionMs: config.EVENT_RETENTION,
    userKeyTtlMs: config.USER_KEY_TTL,
    maxStreamLength: config.EVENT_STREAM_MAX_LEN,
    waitReplicas: 0,
    waitTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
    ...(now ? { now } : {}),
  };
}

export async function writeLikeTheConsumer(
  redis: Redis,
  keys: RedisKeys,
  records: EventRecord[],
  chunk = 2_000,
): Promise<void> {
  const options = defaultStoreOptions();
  for (let i = 0; i < records.length; i += chunk) {
    const accepted: Accepted[] = records.slice(i, i + chunk).map((record, j) => ({
      offset: String(i + j),
      record,
      bytes: Buffer.from(record.json),
      journey: `0:${i + j}:${record.event.timestamp}`,
    }));
    await storeEvents(redis, keys, accepted, options);
  }
}

export { deleteKeysWithPrefix as deletePrefix } from '../../tests/support/redis-keys.js';
export { redisKeys };

/**
 * Stores new events at about `perSecond` with the consumer's own write, in ten chunks a second, until
 * stopped: the writes a viewer sees while events flow (each chunk moves the live stream, which
 * invalidates its kept pages). Resolves to the number stored.
 */
export function storeSteadily(redis: Redis, keys: RedisKeys, perSecond: number, event: (i: number) => EventRecord) {
  const options = defaultStoreOptions();
  const perTick = Math.max(1, Math.round(perSecond / 10));
  let next = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const chunk: Accepted[] = Array.from({ length: perTick }, () => {
      const record = event(next++);
      return {
        offset: String(next),
        record,
        bytes: Buffer.from(record.json),
        journey: `0:${next}:${record.event.timestamp}`,
      };
    });
    writing = writing.then(() => storeEvents(redis, keys, chunk, options));
  }, 100);
  return {
    async stop(): Promise<number> {
      clearInterval(timer);
      await writing;
      return next;
    },
  };
}
