import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../model/stored-event.js';
import { leapOffsets, mergedLog, newerFirst, type SliceRead } from './merged-log.js';

/** Buckets held in memory, each newest first, read as PAGE_RANGE_LUA reads one; counts the rows handed out. */
function memoryBuckets(buckets: StoredEvent[][]) {
  const sorted = buckets.map((b) => [...b].sort(newerFirst));
  const stats = { rows: 0, reads: 0 };
  const read: SliceRead = async (bucket, offset, count, budget) => {
    stats.reads++;
    const rows = sorted[bucket]!;
    const events: StoredEvent[] = [];
    let bytes = 0;
    for (let i = offset; i < rows.length && events.length < count; i++) {
      const size = Buffer.byteLength(rows[i]!.json);
      if (events.length > 0 && bytes + size > budget) return { events, exhausted: false };
      events.push(rows[i]!);
      bytes += size;
    }
    stats.rows += events.length;
    return { events, exhausted: offset + events.length >= rows.length };
  };
  return { read, stats, all: sorted.flat().sort(newerFirst) };
}

/** Events spread at random over `count` buckets, with many equal timestamps and non-ASCII members. */
function spread(events: number, count: number, seed = 7): StoredEvent[][] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const buckets: StoredEvent[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < events; i++) {
    const json = `{"n":${i},"s":"${['a', 'é', '😀', '\uffff', 'z'][i % 5]}${'x'.repeat(i % 13)}"}`;
    buckets[Math.floor(random() * count)]!.push({ json, timestamp: 1_000 + Math.floor(i / 7) });
  }
  return buckets;
}

describe('newerFirst', () => {
  it('orders as ZREVRANGE does: higher scores first, equal scores by member bytes, higher first', () => {
    const rows = [
      { json: 'a', timestamp: 1 },
      { json: 'ab', timestamp: 1 }, // a prefix first, as memcmp orders it
      { json: 'b', timestamp: 1 },
      { json: '\uffff', timestamp: 1 }, // UTF-8 ef bf bf: below f0, so below the emoji, though above it in UTF-16
      { json: '😀', timestamp: 1 },
      { json: 'a', timestamp: 2 },
    ];
    expect([...rows].sort(newerFirst).map((r) => `${r.timestamp}${r.json}`)).toEqual([
      '2a',
      '1😀',
      '1\uffff',
      '1b',
      '1ab',
      '1a',
    ]);
  });
});

describe('mergedLog', () => {
  it('gives the rows of every bucket in the order one sorted set would, page after page, to the end', async () => {
    const { read, all } = memoryBuckets(spread(2_000, 12));
    const log = mergedLog(12, read, 1_000_000);
    const seen: StoredEvent[] = [];
    for (;;) {
      const page = await log.take(37, 1_000_000);
      seen.push(...page.events);
      if (page.exhausted) break;
    }
    expect(seen).toEqual(all);
  });

  it('says the log ended only when it ran out before the count, as PAGE_RANGE_LUA does', async () => {
    const { read } = memoryBuckets(spread(10, 3));
    expect((await mergedLog(3, read, 1_000).take(10, 1_000)).exhausted).toBe(false);
    expect(await mergedLog(3, read, 1_000).take(11, 1_000)).toMatchObject({ exhausted: true });
    expect((await mergedLog(3, read, 1_000).take(11, 1_000)).events).toHaveLength(10);
  });

  it('cuts a take at its byte budget, always taking one row', async () => {
    const { read, all } = memoryBuckets(spread(200, 12));
    const budget = Buffer.byteLength(all[0]!.json) + Buffer.byteLength(all[1]!.json);
    expect(await mergedLog(12, read, budget).take(50, budget)).toEqual({ events: all.slice(0, 2), exhausted: false });
    expect(await mergedLog(12, read, 1).take(50, 1)).toEqual({ events: all.slice(0, 1), exhausted: false });
  });

  it('skips rows without keeping them, then takes from where the skip ended', async () => {
    const { read, all } = memoryBuckets(spread(500, 12));
    const log = mergedLog(12, read, 100_000);
    expect(await log.skip(123)).toBe(false);
    expect((await log.take(10, 100_000)).events).toEqual(all.slice(123, 133));
    expect(await log.skip(1_000)).toBe(true);
  });

  it('reads a fair share of each bucket first, not the whole page from every bucket', async () => {
    const { read, stats } = memoryBuckets(spread(12_000, 12));
    await mergedLog(12, read, 1_000_000).take(120, 1_000_000);
    // A page of 120 over 12 buckets: 16 rows from each first (1.5 × the share, plus one); every bucket read
    // again for the whole page would be 1,440 rows.
    expect(stats.rows).toBeLessThan(400);
    expect(stats.reads).toBeLessThan(40);
  });

  it('ends a bucket whose slice comes back empty (trimmed between reads), not reading it forever', async () => {
    const rows = [{ json: 'b', timestamp: 2 }];
    let reads = 0;
    const log = mergedLog(
      2,
      async (bucket, offset) => {
        reads++;
        return { events: bucket === 0 && offset === 0 ? rows : [], exhausted: false };
      },
      1_000,
    );
    expect(await log.take(5, 1_000)).toEqual({ events: rows, exhausted: true });
    expect(reads).toBe(3);
  });

  it('passes a large skip by counting (leapOffsets), then merges on to the same rows as reading through', async () => {
    const spreadOut = spread(3_000, 12);
    const { read, all, stats } = memoryBuckets(spreadOut);
    const sorted = spreadOut.map((b) => [...b].sort(newerFirst));
    const countAbove = async (score: number) => sorted.map((b) => b.filter((r) => r.timestamp > score).length);
    const [lowest, highest] = [all.at(-1)!.timestamp, all[0]!.timestamp];
    for (const skip of [0, 1, 7, 1_234, 2_999, 3_000, 5_000]) {
      const { start, passed } = await leapOffsets(skip, lowest, highest, countAbove);
      expect(passed).toBeLessThanOrEqual(skip);
      // All of it counted when the skip passes the end; else what is left lies at one score (7 rows share one).
      if (skip >= all.length) expect(passed).toBe(all.length);
      else expect(skip - passed).toBeLessThan(7);
      const log = mergedLog(12, read, 1_000_000, start);
      await log.skip(skip - passed);
      expect((await log.take(20, 1_000_000)).events).toEqual(all.slice(skip, skip + 20));
    }
    // Seven pages read: their rows and the ties before them, never the skipped thousands.
    expect(stats.rows).toBeLessThan(1_000);
  });
});
