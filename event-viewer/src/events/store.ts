import { type BucketKeys, type RedisKeys, STREAM_FIELDS, streamKeysInCluster } from '@eventstreamapp/event-schema';
import { redisRead } from '@eventstreamapp/service-kit';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { isFiltered, matchesFilter } from '../model/event-filter.js';
import type { StoredEvent } from '../model/stored-event.js';
import { fromStreamReply, headOf, type StreamEntry } from '../model/stream-entry.js';
import { leapOffsets, mergedLog } from './merged-log.js';
import type { PageQuery } from './query.js';

/** Reads a page of `event_log` bounded in bytes as well as in members (PAGE_RANGE_LUA). */
export interface PageBudget {
  /** Most members of `event_log` one filtered page reads before it answers with what matched. */
  scanMax: number;
  /** Most bytes of event JSON one page holds, and one Redis reply carries. */
  maxBytes: number;
  /** Most milliseconds a filtered page scans (past its first slice) before it answers with what matched. */
  maxMs?: number;
}

/**
 * Members of `event_log` newest first from `max` (a score bound), after skipping `offset`, until
 * `count` were taken or their JSON reaches `budget` bytes — always at least one — read in slices, so
 * Redis never builds a reply larger than the budget (plus one event) whatever `count` and the events'
 * sizes. Read-only: it runs on a replica, and while Redis is full.
 * Returns {exhausted (the log ended), member, score, member, score, …}.
 */
const PAGE_RANGE_LUA = `#!lua flags=no-writes
local offset, want, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out, got, bytes = {0}, 0, 0
while got < want do
  local slice = math.min(200, want - got)
  local rows = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', offset, slice)
  for i = 1, #rows, 2 do
    local size = #rows[i]
    if got > 0 and bytes + size > budget then return out end
    out[#out + 1] = rows[i]
    out[#out + 1] = rows[i + 1]
    bytes, got = bytes + size, got + 1
  end
  if #rows < 2 * slice then
    out[1] = 1
    return out
  end
  offset = offset + slice
end
return out
`;

export interface Page {
  events: StoredEvent[];
  /** For each event, its index in `scanned`: where a page cut short by bytes ends its scan. */
  positions: number[];
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

/** The first `count` events of a page, as if the page had ended there: its next page starts after them. */
export function truncatePage(page: Page, count: number): Page {
  if (count >= page.events.length) return page;
  const scannedTo = count === 0 ? 0 : page.positions[count - 1]! + 1;
  return {
    ...page,
    events: page.events.slice(0, count),
    positions: page.positions.slice(0, count),
    scanned: page.scanned.slice(0, scannedTo),
    exhausted: false,
  };
}

/**
 * Events of the live stream the newest page reads beside it, for the journeys of its rows (partition,
 * offset, published, stored): about this many events' JSON more per newest page (the last entry read
 * whole), which is memoised.
 */
const JOURNEY_LOOKBACK = 50;

/**
 * The newest entries of the stream, newest first, until they hold ARGV[1] events (each `e` field is
 * one): an entry holds one event or a chunk's worth (STREAM_ENTRY_EVENTS), so a fixed COUNT would
 * read either too few events or far too many bytes. Read-only, like PAGE_RANGE_LUA. Returns what
 * XREVRANGE would.
 */
const NEWEST_STREAM_EVENTS_LUA = `#!lua flags=no-writes
local wanted = tonumber(ARGV[1])
local out, events, last = {}, 0, '+'
while events < wanted and #out < wanted do
  local entry = redis.call('XREVRANGE', KEYS[1], last, '-', 'COUNT', 1)[1]
  if not entry then break end
  out[#out + 1] = entry
  for i = 1, #entry[2], 2 do
    if entry[2][i] == '${STREAM_FIELDS.event}' then events = events + 1 end
  end
  last = '(' .. entry[1]
end
return out
`;

/** The events with the journeys of those still among `entries` (matched by their exact JSON). */
function withJourneys(events: StoredEvent[], entries: StreamEntry[]): StoredEvent[] {
  const journeys = new Map(entries.flatMap((e) => (e.journey ? [[e.json, e.journey] as const] : [])));
  if (journeys.size === 0) return events;
  return events.map((e) => {
    const journey = journeys.get(e.json);
    return journey ? { ...e, journey } : e;
  });
}

/** PAGE_RANGE_LUA's reply: {exhausted, member, score, member, score, …}. */
function fromRangeReply(reply: unknown[]): { events: StoredEvent[]; exhausted: boolean } {
  const events: StoredEvent[] = [];
  for (let i = 1; i < reply.length; i += 2) events.push({ json: String(reply[i]), timestamp: Number(reply[i + 1]) });
  return { events, exhausted: reply[0] === 1 };
}

type RangeRead = (
  query: PageQuery,
  offset: number,
  count: number,
  budget: number,
) => Promise<{ events: StoredEvent[]; exhausted: boolean }>;

/**
 * A filtered page: reads `event_log` in chunks of SCAN_CHUNK, newest first, until `limit` events match, the
 * page's bytes are spent, `scanMax` members were read, the log ends or `maxMs` has passed.
 */
async function scanFiltered(range: RangeRead, query: PageQuery, options: PageBudget): Promise<Page> {
  const events: StoredEvent[] = [];
  const positions: number[] = [];
  const scanned: number[] = [];
  let exhausted = false;
  let bytes = 0;
  const deadline = options.maxMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.maxMs;
  for (let offset = query.skip; events.length < query.limit && scanned.length < options.scanMax; ) {
    const count = Math.min(SCAN_CHUNK, options.scanMax - scanned.length);
    const chunk = await range(query, offset, count, options.maxBytes);
    let full = false;
    for (const row of chunk.events) {
      scanned.push(row.timestamp);
      if (matchesFilter(row, query)) {
        events.push(row);
        positions.push(scanned.length - 1);
        bytes += row.json.length;
      }
      full = events.length === query.limit || bytes >= options.maxBytes;
      if (full) break;
    }
    offset += chunk.events.length;
    if (full) break;
    if (chunk.exhausted) {
      exhausted = true;
      break;
    }
    // However rare the match, a search holds the viewer (and a read slot) for its budget at most.
    if (performance.now() > deadline) break;
  }
  return { events, positions, scanned, exhausted };
}

/** A page without the stream's head: one byte-bounded range, or a filtered scan. */
async function readPage(range: RangeRead, query: PageQuery, options: PageBudget): Promise<Page> {
  if (isFiltered(query)) return scanFiltered(range, query, options);
  const { events, exhausted } = await range(query, query.skip, query.limit, options.maxBytes);
  return { events, positions: events.map((_, i) => i), scanned: events.map((e) => e.timestamp), exhausted };
}

const maxScore = (query: PageQuery) => (query.before === undefined ? '+inf' : `(${query.before}`);

/** A count of `event_log` members per time range [start, end): each range's count, in order. */
type CountRanges = (ranges: [start: number, end: string][]) => Promise<number[]>;

/** Events per bucket of time over a window ending now. */
async function rateOver(now: number, windowMs: number, bucketMs: number, count: CountRanges): Promise<RateBucket[]> {
  const end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const starts = Array.from({ length: Math.ceil(windowMs / bucketMs) }, (_, i) => end - (i + 1) * bucketMs).reverse();
  const counts = await count(starts.map((start) => [start, `(${start + bucketMs}`]));
  return starts.map((start, i) => ({ start, count: counts[i]! }));
}

/** The counts from one sorted set, in one pipelined round trip. */
async function countInPipeline(redis: Redis | Cluster, key: string, ranges: [number, string][]): Promise<number[]> {
  const pipeline = redis.pipeline();
  for (const [start, end] of ranges) pipeline.zcount(key, start, end);
  const replies = (await pipeline.exec()) ?? [];
  return ranges.map((_, i) => {
    const [err, count] = replies[i] ?? [new Error('no reply')];
    if (err) throw err;
    return Number(count);
  });
}

/** The event pages' reads: pages of `event_log` (filtered or not), one user's key, per-bucket counts. */
export function createEventStore(redis: Redis, keys: RedisKeys) {
  redis.defineCommand('eventPageRange', { numberOfKeys: 1, lua: PAGE_RANGE_LUA });
  redis.defineCommand('newestStreamEvents', { numberOfKeys: 1, lua: NEWEST_STREAM_EVENTS_LUA });
  // ioredis types commands defined at run time as nothing: these are the two scripts' calls, alone or in a transaction.
  type PageRange<R> = {
    eventPageRange(key: string, max: string, offset: number, count: number, budget: number): R;
    newestStreamEvents(key: string, events: number): R;
  };
  interface PageTransaction extends ChainableCommander, PageRange<PageTransaction> {}
  const streamHead = (): Promise<string> =>
    redisRead(async () => headOf(await redis.xrevrange(keys.eventStream, '+', '-', 'COUNT', 1)));
  /** One byte-bounded range: its events and whether the log ended. */
  const range = async (query: PageQuery, offset: number, count: number, budget: number) =>
    fromRangeReply(
      await (redis as unknown as PageRange<Promise<unknown[]>>).eventPageRange(
        keys.eventLog,
        maxScore(query),
        offset,
        count,
        budget,
      ),
    );

  return {
    /**
     * Newest first; with `before`, only events strictly older than it; at most `budget.maxBytes` of
     * event JSON, whatever `limit` says. Unfiltered: one round trip, atomic with the stream's head
     * when asked for it. Filtered: reads up to `scanMax` members in chunks until `limit` match.
     */
    page(query: PageQuery, options: PageBudget & { withStreamId: boolean }): Promise<Page> {
      return redisRead(async () => {
        if (!options.withStreamId) return readPage(range, query, options);
        if (!isFiltered(query)) {
          const tx = redis.multi() as PageTransaction;
          const replies = await tx
            .eventPageRange(keys.eventLog, maxScore(query), query.skip, query.limit, options.maxBytes)
            .newestStreamEvents(keys.eventStream, Math.min(query.limit, JOURNEY_LOOKBACK))
            .exec();
          const failed = replies?.find(([err]) => err);
          if (!replies || failed) throw failed?.[0] ?? new Error('transaction discarded');
          const read = fromRangeReply(replies[0]![1] as unknown[]);
          const { exhausted } = read;
          const events = withJourneys(read.events, fromStreamReply(replies[1]![1] as [string, string[]][]));
          return {
            events,
            positions: events.map((_, i) => i),
            scanned: events.map((e) => e.timestamp),
            exhausted,
            streamId: headOf(replies[1]![1]),
          };
        }
        const streamId = await streamHead();
        return { ...(await scanFiltered(range, query, options)), streamId };
      });
    },

    latestOf(userId: string): Promise<string | null> {
      return redisRead(() => redis.get(keys.eventKey(userId)));
    },

    /** Events per bucket over a window ending now, counted in one pipelined round trip. */
    rate(now: number, windowMs: number, bucketMs: number): Promise<RateBucket[]> {
      return redisRead(() =>
        rateOver(now, windowMs, bucketMs, (ranges) => countInPipeline(redis, keys.eventLog, ranges)),
      );
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/** A skip larger than this is passed over by counting rows per bucket, not by reading them (leapOffsets). */
const LEAP_SKIP = 1_000;

/**
 * The same reads in the cluster topology, over the buckets of `event_log` (cluster-buckets.ts): every page
 * a k-way merge of per-bucket ranges (merged-log.ts), so it holds what one sorted set would give, in its
 * order. The live stream is one stream there too, but in another slot than any bucket, so a page and the
 * stream's head cannot be read atomically: the head is read first. An event stored between the two reads is
 * then on the page and again in the live feed after it (a row shown twice), never in neither.
 */
export function createClusterEventStore(cluster: Cluster, keys: RedisKeys, buckets: BucketKeys[]) {
  cluster.defineCommand('eventPageRange', { numberOfKeys: 1, lua: PAGE_RANGE_LUA });
  cluster.defineCommand('newestStreamEvents', { numberOfKeys: 1, lua: NEWEST_STREAM_EVENTS_LUA });
  const scripts = cluster as unknown as {
    eventPageRange(key: string, max: string, offset: number, count: number, budget: number): Promise<unknown[]>;
    newestStreamEvents(key: string, events: number): Promise<[string, string[]][]>;
  };
  const { stream } = streamKeysInCluster(keys);
  /** Each bucket's newest and oldest score under the page's bound, all buckets at once. */
  const scoreRange = async (max: string) => {
    const ends = await Promise.all(
      buckets.map(async (b) => [
        await cluster.zrevrangebyscore(b.eventLog, max, '-inf', 'WITHSCORES', 'LIMIT', 0, 1),
        await cluster.zrange(b.eventLog, 0, 0, 'WITHSCORES'),
      ]),
    );
    const scores = ends.flatMap(([newest, oldest]) => [newest![1], oldest![1]]).filter((v) => v !== undefined);
    return scores.length === 0
      ? undefined
      : { lowest: Math.min(...scores.map(Number)), highest: Math.max(...scores.map(Number)) };
  };
  /**
   * A page's reads, front to back through one merge: scanFiltered asks for each range where the last ended. A
   * skip past LEAP_SKIP rows is first passed over by counting (leapOffsets), not by reading every row.
   */
  const rangeOf = async (query: PageQuery, budget: number): Promise<RangeRead> => {
    const max = maxScore(query);
    let start: number[] = [];
    let position = 0;
    const range = query.skip > LEAP_SKIP ? await scoreRange(max) : undefined;
    if (range) {
      const leap = await leapOffsets(query.skip, range.lowest, range.highest, (score) =>
        Promise.all(buckets.map((b) => cluster.zcount(b.eventLog, `(${score}`, max))),
      );
      start = leap.start;
      position = leap.passed;
    }
    const log = mergedLog(
      buckets.length,
      async (bucket, offset, count, bytes) =>
        fromRangeReply(await scripts.eventPageRange(buckets[bucket]!.eventLog, max, offset, count, bytes)),
      budget,
      start,
    );
    return async (_query, offset, count, bytes) => {
      if (offset > position && (await log.skip(offset - position))) return { events: [], exhausted: true };
      const read = await log.take(count, bytes);
      position = offset + read.events.length;
      return read;
    };
  };
  return {
    /** As one node's page; with `withStreamId`, the newest page also carries the journeys still in the stream. */
    page(query: PageQuery, options: PageBudget & { withStreamId: boolean }): Promise<Page> {
      return redisRead(async () => {
        if (!options.withStreamId) return readPage(await rangeOf(query, options.maxBytes), query, options);
        const newest = isFiltered(query)
          ? await cluster.xrevrange(stream, '+', '-', 'COUNT', 1)
          : await scripts.newestStreamEvents(stream, Math.min(query.limit, JOURNEY_LOOKBACK));
        const page = await readPage(await rangeOf(query, options.maxBytes), query, options);
        const events = isFiltered(query) ? page.events : withJourneys(page.events, fromStreamReply(newest));
        return { ...page, events, streamId: headOf(newest) };
      });
    },
    latestOf(userId: string): Promise<string | null> {
      return redisRead(() => cluster.get(keys.eventKey(userId)));
    },
    /** Events per bucket of time over a window ending now: a pipeline per bucket of the log (one slot each). */
    rate(now: number, windowMs: number, bucketMs: number): Promise<RateBucket[]> {
      return redisRead(() =>
        rateOver(now, windowMs, bucketMs, async (ranges) => {
          const each = await Promise.all(buckets.map((b) => countInPipeline(cluster, b.eventLog, ranges)));
          return ranges.map((_, i) => each.reduce((sum, counts) => sum + counts[i]!, 0));
        }),
      );
    },
  };
}
