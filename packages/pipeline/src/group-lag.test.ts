import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { committedOffsets, readGroupLag, recordsBehind } from './group-lag.js';

const ends = [
  { partition: 0, low: 10, high: 50 },
  { partition: 1, low: 0, high: 7 },
  { partition: 2, low: 30, high: 30 },
];

/** fetchOffsets as kafkajs answers it (-1 where the group committed nothing), recording what was asked. */
function admin(offsets: Record<number, string> | undefined, asked: unknown[] = []) {
  return {
    fetchOffsets: async (request: unknown) => {
      asked.push(request);
      return offsets
        ? [
            {
              topic: 'events',
              partitions: Object.entries(offsets).map(([p, offset]) => ({ partition: Number(p), offset })),
            },
          ]
        : [];
    },
    fetchTopicOffsets: async () => [
      { partition: 2, low: '30', high: '30', offset: '30' },
      { partition: 0, low: '10', high: '50', offset: '50' },
      { partition: 1, low: '0', high: '7', offset: '7' },
    ],
  } as unknown as Admin;
}

describe('the group’s lag', () => {
  it('resumes where the group committed, and from the earliest kept record where it never did', async () => {
    const asked: unknown[] = [];
    const committed = await committedOffsets(admin({ 0: '42', 1: '-1' }, asked), 'g', 'events', ends);
    expect([...committed]).toEqual([
      [0, 42],
      [1, 0],
      [2, 30],
    ]);
    expect(asked).toEqual([{ groupId: 'g', topics: ['events'] }]);
    // Offset 0 is a commit (the partition's first record), not "never committed".
    expect((await committedOffsets(admin({ 0: '0' }), 'g', 'events', ends)).get(0)).toBe(0);
    // A group Kafka does not know: every partition from its earliest record.
    expect([...(await committedOffsets(admin(undefined), 'g', 'events', ends)).values()]).toEqual([10, 0, 30]);
  });

  it('reads the ends and the commits of the topic, partitions in order', async () => {
    expect(await readGroupLag(admin({ 0: '42', 1: '3' }), 'g', 'events')).toEqual([
      { partition: 0, lag: 8 },
      { partition: 1, lag: 4 },
      { partition: 2, lag: 0 },
    ]);
  });

  it('is the high watermark minus that, never below zero', () => {
    const committed = new Map([
      [0, 42],
      [1, 9],
    ]);
    expect(recordsBehind(ends, committed)).toEqual([
      { partition: 0, lag: 8 },
      { partition: 1, lag: 0 },
      { partition: 2, lag: 0 },
    ]);
  });
});
