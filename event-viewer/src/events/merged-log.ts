import type { StoredEvent } from '../model/stored-event.js';

/**
 * One bucket's log newest first from `offset` (members with a score under the page's bound): at most
 * `count` rows, cut when their JSON reaches `budget` bytes (at least one row), and whether it ended.
 */
export type SliceRead = (
  bucket: number,
  offset: number,
  count: number,
  budget: number,
) => Promise<{ events: StoredEvent[]; exhausted: boolean }>;

/** Redis' order of ZREVRANGEBYSCORE: the higher score first, equal scores by their members' bytes, higher first. */
export function newerFirst(a: StoredEvent, b: StoredEvent): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  return Buffer.compare(Buffer.from(b.json), Buffer.from(a.json));
}

/** Most rows one bucket's slice asks for, however many are still wanted. */
const MAX_SLICE = 500;

interface Lane {
  bucket: number;
  rows: StoredEvent[];
  /** The first row of `rows` not taken yet. */
  next: number;
  /** Rows read from the bucket so far: where its next slice starts. */
  offset: number;
  exhausted: boolean;
}

/**
 * The cluster topology's buckets of `event_log` read as one log, newest first, in exactly the order one
 * sorted set would give (a k-way merge on Redis' own order). Each bucket is read in slices: a first
 * slice of a fair share of what is wanted and a margin, then — only for a bucket that ran dry while
 * the merge still needs it — what is still wanted, since one bucket may hold all of it; every dry bucket
 * is read at once (one round trip to each master). Each slice is cut at the page's byte budget, so a
 * page never holds more than one reply of that size per bucket.
 */
export function mergedLog(buckets: number, read: SliceRead, budget: number) {
  const lanes: Lane[] = Array.from({ length: buckets }, (_, bucket) => ({
    bucket,
    rows: [],
    next: 0,
    offset: 0,
    exhausted: false,
  }));

  /** Reads every dry lane's next slice at once; undefined (no await, no tick) when none is dry. */
  function refill(wanted: number): Promise<unknown> | undefined {
    const dry = lanes.filter((lane) => lane.next === lane.rows.length && !lane.exhausted);
    if (dry.length === 0) return undefined;
    return Promise.all(
      dry.map(async (lane) => {
        const share = lane.offset === 0 ? Math.ceil((1.5 * wanted) / buckets) + 1 : wanted;
        const slice = await read(lane.bucket, lane.offset, Math.min(wanted, share, MAX_SLICE), budget);
        lane.rows = slice.events;
        lane.next = 0;
        lane.offset += slice.events.length;
        lane.exhausted = slice.exhausted || slice.events.length === 0;
      }),
    );
  }

  /** The lane whose next row comes first in the merged order, if any lane has one. */
  function newest(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of lanes) {
      if (lane.next === lane.rows.length) continue;
      if (!best || newerFirst(lane.rows[lane.next]!, best.rows[best.next]!) < 0) best = lane;
    }
    return best;
  }

  /** Takes the next rows while `more` allows, in the merged order; says whether the log ended first. */
  async function advance(count: number, more: (row: StoredEvent) => boolean): Promise<boolean> {
    for (let taken = 0; taken < count; taken++) {
      const reading = refill(count - taken);
      if (reading) await reading;
      const lane = newest();
      if (!lane) return true;
      if (!more(lane.rows[lane.next]!)) return false;
      lane.next++;
    }
    return false;
  }

  return {
    /**
     * The next `count` rows, until their JSON would pass `bytes` (at least one row is taken), and whether
     * the log ended before `count` — as PAGE_RANGE_LUA answers for one sorted set.
     */
    async take(count: number, bytes: number): Promise<{ events: StoredEvent[]; exhausted: boolean }> {
      const events: StoredEvent[] = [];
      let size = 0;
      const exhausted = await advance(count, (row) => {
        const rowBytes = Buffer.byteLength(row.json);
        if (events.length > 0 && size + rowBytes > bytes) return false;
        events.push(row);
        size += rowBytes;
        return true;
      });
      return { events, exhausted };
    },
    /** Passes over the next `count` rows without keeping them (a cursor's skip); whether the log ended first. */
    skip: (count: number): Promise<boolean> => advance(count, () => true),
  };
}
