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

/**
 * Two texts in the order of their UTF-8 bytes (Redis compares members so), without encoding them: UTF-8 keeps
 * code point order, and UTF-16 code units differ from it only where a surrogate (U+D800–DFFF, half of a code
 * point above U+FFFF) meets U+E000–FFFF — moved above them here.
 */
function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Redis' order of ZREVRANGEBYSCORE: the higher score first, equal scores by their members' bytes, higher first. */
export function newerFirst(a: StoredEvent, b: StoredEvent): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  return compareUtf8(b.json, a.json);
}

/** Most rows one bucket's slice asks for, however many are still wanted. */
const MAX_SLICE = 500;

interface Lane {
  bucket: number;
  rows: StoredEvent[];
  /** The first row of `rows` not taken yet. */
  next: number;
  /** Where the bucket's next slice starts: its rows passed over so far. */
  offset: number;
  /** No slice read yet: the first asks for a fair share only. */
  first: boolean;
  exhausted: boolean;
}

/**
 * The cluster topology's buckets of `event_log` read as one log, newest first, in exactly the order one
 * sorted set would give (a k-way merge on Redis' own order). Each bucket is read in slices: a first
 * slice of a fair share of what is wanted and a margin, then — only for a bucket that ran dry while
 * the merge still needs it — what is still wanted, since one bucket may hold all of it; every dry bucket
 * is read at once (one round trip to each master). Each slice is cut at the page's byte budget, so a
 * page never holds more than one reply of that size per bucket. `start`: where each bucket begins (rows of it
 * already passed over, see leapOffsets).
 */
export function mergedLog(buckets: number, read: SliceRead, budget: number, start: readonly number[] = []) {
  const lanes: Lane[] = Array.from({ length: buckets }, (_, bucket) => ({
    bucket,
    rows: [],
    next: 0,
    offset: start[bucket] ?? 0,
    first: true,
    exhausted: false,
  }));

  /** Reads every dry lane's next slice at once. */
  async function refill(wanted: number): Promise<void> {
    const empty = lanes.filter((lane) => lane.next === lane.rows.length && !lane.exhausted);
    await Promise.all(
      empty.map(async (lane) => {
        const share = lane.first ? Math.ceil((1.5 * wanted) / buckets) + 1 : wanted;
        lane.first = false;
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

  /** Whether some lane ran out of rows while its bucket has more: only then is a read due. */
  let dry = true;

  /** Takes the next rows while `more` allows, in the merged order; says whether the log ended first. */
  async function advance(count: number, more: (row: StoredEvent) => boolean): Promise<boolean> {
    for (let taken = 0; taken < count; taken++) {
      if (dry) {
        await refill(count - taken);
        dry = false;
      }
      const lane = newest();
      if (!lane) return true;
      if (!more(lane.rows[lane.next]!)) return false;
      lane.next++;
      if (lane.next === lane.rows.length && !lane.exhausted) dry = true;
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

/**
 * Where each bucket starts after passing over up to `skip` rows of the merged log without reading them: the
 * rows above the lowest score at which no more than `skip` rows lie above it, found by a binary search over
 * scores with `countAbove(score)` (each bucket's count of rows above `score`, all buckets at once). Returns
 * each bucket's start and how many rows that passes; the rest of the skip (fewer than the rows at that one
 * score) is left to the merge. Costs a round trip per halving of [lowest, highest]: for large skips only.
 */
export async function leapOffsets(
  skip: number,
  lowest: number,
  highest: number,
  countAbove: (score: number) => Promise<number[]>,
): Promise<{ start: number[]; passed: number }> {
  // Invariant: more than `skip` rows lie above `low`; at most `skip` lie above `high` (none above the highest).
  let low = lowest - 1;
  let high = highest;
  let best = await countAbove(high);
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const all = await countAbove(low);
  if (total(all) <= skip) return { start: all, passed: total(all) };
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const counts = await countAbove(middle);
    if (total(counts) <= skip) {
      high = middle;
      best = counts;
    } else {
      low = middle;
    }
  }
  return { start: best, passed: total(best) };
}
