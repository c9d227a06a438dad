import type { RedisKeys } from '@eventstreamapp/event-schema';
import type { Redis } from 'ioredis';
import type { BatchPlan } from './plan-batch.js';

export class RedisWriteError extends Error {
  override name = 'RedisWriteError';
}

/**
 * Writes a planned batch in one round trip and one transaction: a single ZADD with every
 * event (member = the record's exact JSON, so a replay is a no-op), one SET per user, and
 * the optional trim. Every reply is checked: a pipeline reports errors per command.
 */
export async function writeEvents(redis: Redis, keys: RedisKeys, plan: BatchPlan, maxLogLength: number): Promise<void> {
  if (plan.accepted.length === 0) return;
  const tx = redis.multi();
  const scoresAndMembers: (Buffer | number)[] = [];
  for (const { record, bytes } of plan.accepted) scoresAndMembers.push(record.event.timestamp, bytes);
  tx.zadd(keys.eventLog, ...scoresAndMembers);
  for (const [userId, bytes] of plan.latestByUser) tx.set(keys.eventKey(userId), bytes);
  if (maxLogLength > 0) tx.zremrangebyrank(keys.eventLog, 0, -(maxLogLength + 1));
  const replies = await tx.exec();
  if (!replies) throw new RedisWriteError('the Redis transaction was aborted');
  const failed = replies.find(([err]) => err);
  if (failed?.[0]) throw new RedisWriteError(`Redis refused a write: ${failed[0].message}`, { cause: failed[0] });
}
