import type { RedisKeys } from '@eventstreamapp/event-schema';
import type { Redis } from 'ioredis';
import { HttpError } from './errors.js';
import type { PageQuery } from './page-query.js';

export interface StoredEvent {
  /** The event's JSON exactly as stored. */
  json: string;
  timestamp: number;
}

export interface RateBucket {
  start: number;
  count: number;
}

async function guarded<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new HttpError('redis_unavailable', 'the event store (Redis) is unavailable; retry shortly', undefined, { cause: err });
  }
}

/** A WITHSCORES reply (member, score, member, score, …) as stored events. */
function fromWithScores(flat: string[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < flat.length; i += 2) events.push({ json: flat[i]!, timestamp: Number(flat[i + 1]) });
  return events;
}

/** The viewer's only reads: pages of `event_log`, one user's key, and per-bucket counts. */
export function createEventStore(redis: Redis, keys: RedisKeys) {
  return {
    /** Newest first; with `before`, only events strictly older than it. */
    page(query: PageQuery): Promise<StoredEvent[]> {
      return guarded(async () => {
        const max = query.before === undefined ? '+inf' : `(${query.before}`;
        return fromWithScores(await redis.zrevrangebyscore(keys.eventLog, max, '-inf', 'WITHSCORES', 'LIMIT', query.skip, query.limit));
      });
    },

    /**
     * For the live feed: the newest `max` events with a timestamp after `since`, oldest first.
     * Newest, so that under a flood the feed shows the latest rather than stalling on the oldest.
     */
    since(since: number, max: number): Promise<StoredEvent[]> {
      return guarded(async () => {
        return fromWithScores(await redis.zrevrangebyscore(keys.eventLog, '+inf', `(${since}`, 'WITHSCORES', 'LIMIT', 0, max)).reverse();
      });
    },

    latestOf(userId: string): Promise<string | null> {
      return guarded(() => redis.get(keys.eventKey(userId)));
    },

    /** Events per bucket over a window ending now, counted in one pipelined round trip. */
    rate(now: number, windowMs: number, bucketMs: number): Promise<RateBucket[]> {
      return guarded(async () => {
        const end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
        const starts = Array.from({ length: Math.ceil(windowMs / bucketMs) }, (_, i) => end - (i + 1) * bucketMs).reverse();
        const pipeline = redis.pipeline();
        for (const start of starts) pipeline.zcount(keys.eventLog, start, `(${start + bucketMs}`);
        const replies = (await pipeline.exec()) ?? [];
        return starts.map((start, i) => {
          const [err, count] = replies[i] ?? [new Error('no reply')];
          if (err) throw err;
          return { start, count: Number(count) };
        });
      });
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
