import type { RedisKeys } from '@eventstreamapp/event-schema';
import { redisFailure } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import type { StreamEntry } from './live-feed.js';
import { type EventFilter, isFiltered, type PageQuery } from './page-query.js';

export interface StoredEvent {
  /** The event's JSON exactly as stored. */
  json: string;
  timestamp: number;
}

export interface Page {
  events: StoredEvent[];
  /** Timestamps of every member read, matching or not, newest first: where the next page starts. */
  scanned: number[];
  /** The scan reached the end of the log. */
  exhausted: boolean;
  /** The live stream's last id when the page was read: the live feed continues from there. */
  streamId?: string;
}

export interface RateBucket {
  start: number;
  count: number;
}

const SCAN_CHUNK = 500;

async function guarded<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw redisFailure(err);
  }
}

/** A WITHSCORES reply (member, score, member, score, …) as stored events. */
function fromWithScores(flat: string[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  for (let i = 0; i < flat.length; i += 2) events.push({ json: flat[i]!, timestamp: Number(flat[i + 1]) });
  return events;
}

/** An XRANGE/XREAD reply's entries, each holding its event in the field `e`. */
export function fromStreamReply(entries: [string, string[]][]): StreamEntry[] {
  return entries.map(([id, fields]) => ({ id, json: fields[fields.indexOf('e') + 1] ?? '' }));
}

export function matchesFilter(json: string, filter: EventFilter): boolean {
  if (!isFiltered(filter)) return true;
  let event: { user_id?: unknown; action?: unknown };
  try {
    event = JSON.parse(json) as typeof event;
  } catch {
    return false;
  }
  return (
    (filter.userId === undefined || event.user_id === filter.userId) && (filter.action === undefined || event.action === filter.action)
  );
}

/** The viewer's reads: pages of `event_log` (filtered or not), one user's key, the live stream, per-bucket counts. */
export function createEventStore(redis: Redis, keys: RedisKeys) {
  const headOf = (reply: unknown) => (reply as [string, string[]][])[0]?.[0] ?? '0-0';
  const streamHead = (): Promise<string> => guarded(async () => headOf(await redis.xrevrange(keys.eventStream, '+', '-', 'COUNT', 1)));
  // One ZREVRANGEBYSCORE for a page, alone or inside a transaction.
  const rangeArgs = (query: PageQuery, offset: number, count: number) =>
    [keys.eventLog, query.before === undefined ? '+inf' : `(${query.before}`, '-inf', 'WITHSCORES', 'LIMIT', offset, count] as const;
  const range = (query: PageQuery, offset: number, count: number) => redis.zrevrangebyscore(...rangeArgs(query, offset, count));

  return {
    /**
     * Newest first; with `before`, only events strictly older than it. Unfiltered: one round trip,
     * atomic with the stream's head when asked for it. Filtered: reads up to `scanMax` members in
     * chunks until `limit` match.
     */
    page(query: PageQuery, options: { scanMax: number; withStreamId: boolean }): Promise<Page> {
      return guarded(async () => {
        if (!isFiltered(query)) {
          if (!options.withStreamId) {
            const events = fromWithScores(await range(query, query.skip, query.limit));
            return { events, scanned: events.map((e) => e.timestamp), exhausted: events.length < query.limit };
          }
          const replies = await redis
            .multi()
            .zrevrangebyscore(...rangeArgs(query, query.skip, query.limit))
            .xrevrange(keys.eventStream, '+', '-', 'COUNT', 1)
            .exec();
          const failed = replies?.find(([err]) => err);
          if (!replies || failed) throw failed?.[0] ?? new Error('transaction discarded');
          const events = fromWithScores(replies[0]![1] as string[]);
          return {
            events,
            scanned: events.map((e) => e.timestamp),
            exhausted: events.length < query.limit,
            streamId: headOf(replies[1]![1]),
          };
        }
        const streamId = options.withStreamId ? await streamHead() : undefined;
        const events: StoredEvent[] = [];
        const scanned: number[] = [];
        let exhausted = false;
        for (let offset = query.skip; events.length < query.limit && scanned.length < options.scanMax; ) {
          const count = Math.min(SCAN_CHUNK, options.scanMax - scanned.length);
          const rows = fromWithScores(await range(query, offset, count));
          for (const row of rows) {
            scanned.push(row.timestamp);
            if (matchesFilter(row.json, query)) events.push(row);
            if (events.length === query.limit) break;
          }
          offset += rows.length;
          if (rows.length < count && events.length < query.limit) {
            exhausted = true;
            break;
          }
        }
        return { events, scanned, exhausted, ...(streamId === undefined ? {} : { streamId }) };
      });
    },

    latestOf(userId: string): Promise<string | null> {
      return guarded(() => redis.get(keys.eventKey(userId)));
    },

    /** The id of the stream's newest entry ('0-0' when empty). */
    streamHead,

    /** The stream's oldest kept entry, when its cap has trimmed any (XINFO STREAM); undefined otherwise. */
    streamOldestKeptAfterTrim(): Promise<string | undefined> {
      return guarded(async () => {
        if ((await redis.exists(keys.eventStream)) === 0) return undefined;
        const info = (await redis.xinfo('STREAM', keys.eventStream)) as unknown[];
        const field = (name: string) => info[info.indexOf(name) + 1];
        return Number(field('entries-added')) > Number(field('length')) ? String(field('recorded-first-entry-id')) : undefined;
      });
    },

    /** Up to `count` entries after `afterId`, oldest first. */
    streamAfter(afterId: string, count: number): Promise<StreamEntry[]> {
      return guarded(async () =>
        fromStreamReply((await redis.xrange(keys.eventStream, `(${afterId}`, '+', 'COUNT', count)) as [string, string[]][]),
      );
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
