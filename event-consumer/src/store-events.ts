import { createHash } from 'node:crypto';
import { eventIdBytes, type RedisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { redisFailure, ServiceError } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import { STORE_EVENTS_LUA, TRIM_LUA } from './store-script.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const STORE_EVENTS_SHA = sha1(STORE_EVENTS_LUA);
const TRIM_SHA = sha1(TRIM_LUA);

/** The smallest number of expired `event_log` members one chunk's trim may delete (TRIM_LUA). */
export const MIN_TRIM_BUDGET = 1_000;

export interface StoreOptions {
  /** An event_id seen within this window is a duplicate and is not stored again. */
  dedupWindowMs: number;
  /** Newest members of `event_log` kept; 0 keeps all. */
  maxLogLength: number;
  /** Events older than this (by their timestamp) leave `event_log`, and arrive in it no more; 0 keeps all. */
  retentionMs: number;
  /** Each user's key expires this long after their last stored event; 0 never. */
  userKeyTtlMs: number;
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
  /** New events older than the retention: in their user's key, not in `event_log`. */
  expired: number;
}

/**
 * Stores a chunk in one round trip: the trim script (retention and caps, allowed when Redis is full),
 * the store script (dedup, log, user keys, stream, notice — atomically) and, when replicas are
 * required, WAIT, in one pipeline. Throws a ServiceError:
 * `redis_full`, `redis_refused`, `redis_unavailable`, or `redis_not_replicated` when too few replicas acknowledged
 * (the primary has the chunk, a failover could lose it: the caller stores it again, which the dedup
 * index makes harmless).
 */
export async function storeEvents(
  redis: Redis,
  keys: RedisKeys,
  accepted: Accepted[],
  options: StoreOptions,
): Promise<StoreResult> {
  if (accepted.length === 0) return { stored: 0, duplicates: 0, expired: 0 };
  const now = (options.now ?? Date.now)();
  const userKeys: string[] = [];
  const userIndex = new Map<string, number>();
  const args: (string | number | Buffer)[] = [
    now,
    options.dedupWindowMs,
    options.maxLogLength,
    options.maxStreamLength,
    keys.storedChannel,
    options.retentionMs,
    options.userKeyTtlMs,
  ];
  for (const { record, bytes, journey } of accepted) {
    const { event_id: id, user_id: user, timestamp } = record.event;
    let index = userIndex.get(user);
    if (index === undefined) {
      index = userKeys.push(keys.eventKey(user)) + 3;
      userIndex.set(user, index);
    }
    args.push(eventIdBytes(id), timestamp, index, bytes, journey ?? '');
  }
  const trimArgs = [
    now,
    options.dedupWindowMs,
    options.retentionMs,
    options.maxLogLength,
    Math.max(MIN_TRIM_BUDGET, 2 * accepted.length),
  ];
  const replies = await runScripts(
    redis,
    { keys: [keys.eventLog, keys.eventIds], args: trimArgs },
    {
      keys: [keys.eventLog, keys.eventIds, keys.eventStream, ...userKeys],
      args,
    },
    options,
  );
  const [stored, duplicates, expired] = replies[1] as [number, number, number];
  if (options.waitReplicas > 0) {
    const acknowledged = replies[2] as number;
    if (acknowledged < options.waitReplicas) {
      throw new ServiceError(
        'redis_not_replicated',
        `${acknowledged} of ${options.waitReplicas} Redis replicas acknowledged the chunk within \
${options.waitTimeoutMs} ms`,
        { retryable: true },
      );
    }
  }
  return { stored, duplicates, expired };
}

interface ScriptCall {
  keys: string[];
  args: (string | number | Buffer)[];
}

/** What Redis receives anyway: numbers as their decimal text (ioredis' array form takes strings and buffers). */
const asArgument = (value: string | number | Buffer): string | Buffer =>
  typeof value === 'number' ? String(value) : value;

/** The trim script, then the store script, then WAIT when replicas are required: one round trip. */
async function runScripts(
  redis: Redis,
  trim: ScriptCall,
  store: ScriptCall,
  options: StoreOptions,
): Promise<unknown[]> {
  const attempt = async (withSource: boolean) => {
    const pipeline = redis.pipeline();
    // Arguments as one array (ioredis flattens it): spread into a call, a chunk of WRITE_CHUNK_EVENTS'
    // maximum (five per event) would exceed the JavaScript call stack.
    const trimArgs = [...trim.keys, ...trim.args.map(asArgument)];
    const storeArgs = [...store.keys, ...store.args.map(asArgument)];
    if (withSource) {
      pipeline.eval(TRIM_LUA, trim.keys.length, trimArgs);
      pipeline.eval(STORE_EVENTS_LUA, store.keys.length, storeArgs);
    } else {
      pipeline.evalsha(TRIM_SHA, trim.keys.length, trimArgs);
      pipeline.evalsha(STORE_EVENTS_SHA, store.keys.length, storeArgs);
    }
    if (options.waitReplicas > 0) pipeline.wait(options.waitReplicas, options.waitTimeoutMs);
    const replies = await pipeline.exec();
    if (!replies) throw new ServiceError('redis_unavailable', 'the Redis pipeline was discarded', { retryable: true });
    return replies;
  };
  try {
    let replies = await attempt(false);
    // A Redis that restarted or failed over has not seen the scripts yet: send their source once.
    if (replies.some(([err]) => (err as Error | null)?.message?.startsWith('NOSCRIPT'))) replies = await attempt(true);
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    return replies.map(([, value]) => value);
  } catch (err) {
    throw redisFailure(err);
  }
}
