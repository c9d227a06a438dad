import type { EventRecord } from '@eventstreamapp/event-schema';
import { type RedisKeys, redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import type { BatchPlan } from '../../event-consumer/src/plan-batch.js';
import { writeEvents } from '../../event-consumer/src/write-events.js';
import { REDIS_URL } from './stack.js';

export function benchRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

/**
 * The consumer's own Redis write (`writeEvents`: one transaction per chunk, one ZADD, one SET
 * per user) fed directly, without Kafka: the Redis ceiling, measured on the same code.
 */
export async function writeLikeTheConsumer(redis: Redis, keys: RedisKeys, records: EventRecord[], chunk = 2_000): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    const plan: BatchPlan = { accepted: [], refused: [], latestByUser: new Map() };
    for (const record of records.slice(i, i + chunk)) {
      const bytes = Buffer.from(record.json);
      plan.accepted.push({ offset: String(i), record, bytes });
      plan.latestByUser.set(record.event.user_id, bytes);
    }
    await writeEvents(redis, keys, plan, 0);
  }
}

export { deleteKeysWithPrefix as deletePrefix } from '../../tests/support/redis-keys.js';
export { redisKeys };
