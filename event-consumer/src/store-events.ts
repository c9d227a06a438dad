import { createHash } from 'node:crypto';
import type { RedisKeys } from '@eventstreamapp/event-schema';
import { redisFailure, ServiceError } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import type { Accepted } from './plan-batch.js';
import { STORE_EVENTS_LUA } from './store-script.js';

const STORE_EVENTS_SHA = createHash('sha1').update(STORE_EVENTS_LUA).digest('hex');

export interface StoreOptions {
  /** An event_id seen within this window is a duplicate and is not stored again. */
  dedupWindowMs: number;
  /** Newest members of `event_log` kept; 0 keeps all. */
  maxLogLength: number;
  /** Approximate length of the live stream; 0 writes none. */
  maxStreamLength: number;
  /** Replicas that must acknowledge the chunk before it counts as stored (Redis WAIT); 0 waits for none. */
  waitReplicas: number;
  waitTimeoutMs: number;
  now?: () => number;
}

export interface StoreResult {
  stored: number;
  duplicates: number;
}

/**
 * Stores a chunk in one round trip: the store script (dedup, log, user keys, stream, trim, notice —
 * atomically) and, when replicas are required, WAIT in the same pipeline. Throws a ServiceError:
 * `redis_refused`, `redis_unavailable`, or `redis_not_replicated` when too few replicas acknowledged
 * (the primary has the chunk, a failover could lose it: the caller stores it again, which the dedup
 * index makes harmless).
 */
export async function storeEvents(redis: Redis, keys: RedisKeys, accepted: Accepted[], options: StoreOptions): Promise<StoreResult> {
  if (accepted.length === 0) return { stored: 0, duplicates: 0 };
  const userKeys: string[] = [];
  const userIndex = new Map<string, number>();
  const args: (string | number | Buffer)[] = [
    (options.now ?? Date.now)(),
    options.dedupWindowMs,
    options.maxLogLength,
    options.maxStreamLength,
    keys.storedChannel,
  ];
  for (const { record, bytes } of accepted) {
    const { event_id: id, user_id: user, timestamp } = record.event;
    let index = userIndex.get(user);
    if (index === undefined) {
      index = userKeys.push(keys.eventKey(user)) + 3;
      userIndex.set(user, index);
    }
    args.push(id.toLowerCase(), timestamp, index, bytes);
  }
  const scriptKeys = [keys.eventLog, keys.eventIds, keys.eventStream, ...userKeys];
  const replies = await runScript(redis, scriptKeys, args, options);
  const [stored, duplicates] = replies[0] as [number, number];
  if (options.waitReplicas > 0) {
    const acknowledged = replies[1] as number;
    if (acknowledged < options.waitReplicas) {
      throw new ServiceError(
        'redis_not_replicated',
        `${acknowledged} of ${options.waitReplicas} Redis replicas acknowledged the chunk within ${options.waitTimeoutMs} ms`,
        { retryable: true },
      );
    }
  }
  return { stored, duplicates };
}

async function runScript(redis: Redis, keys: string[], args: (string | number | Buffer)[], options: StoreOptions): Promise<unknown[]> {
  const attempt = async (withSource: boolean) => {
    const pipeline = redis.pipeline();
    if (withSource) pipeline.eval(STORE_EVENTS_LUA, keys.length, ...keys, ...args);
    else pipeline.evalsha(STORE_EVENTS_SHA, keys.length, ...keys, ...args);
    if (options.waitReplicas > 0) pipeline.wait(options.waitReplicas, options.waitTimeoutMs);
    const replies = await pipeline.exec();
    if (!replies) throw new ServiceError('redis_unavailable', 'the Redis pipeline was discarded', { retryable: true });
    return replies;
  };
  try {
    let replies = await attempt(false);
    // A Redis that restarted or failed over has not seen the script yet: send its source once.
    if ((replies[0]?.[0] as Error | null)?.message?.startsWith('NOSCRIPT')) replies = await attempt(true);
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    return replies.map(([, value]) => value);
  } catch (err) {
    throw redisFailure(err);
  }
}
