import type { EventRecord } from '@eventstreamapp/event-schema';
import { type RedisKeys, redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { REDIS_URL } from './stack.js';

export function benchRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
}

/** The consumer's writes (one ZADD, one SET per user, per chunk) without Kafka: the Redis ceiling. */
export async function writeLikeTheConsumer(redis: Redis, keys: RedisKeys, records: EventRecord[], chunk = 2_000): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    const part = records.slice(i, i + chunk);
    const latest = new Map<string, string>();
    const args: (string | number)[] = [];
    for (const r of part) {
      args.push(r.event.timestamp, r.json);
      latest.set(r.event.user_id, r.json);
    }
    const tx = redis.multi().zadd(keys.eventLog, ...args);
    for (const [user, json] of latest) tx.set(keys.eventKey(user), json);
    await tx.exec();
  }
}

export { deleteKeysWithPrefix as deletePrefix } from '../../tests/support/redis-keys.js';
export { redisKeys };
