import { describe, expect, it } from 'vitest';
import { formatReport, rangesFor } from './dead-letter-replay.js';

const ends = [
  { partition: 0, low: 10, high: 50 },
  { partition: 1, low: 0, high: 5 },
];

describe('what a dead-letter replay reads', () => {
  it('every partition from its oldest kept record to its end, or from and to the offsets given, clipped', () => {
    expect(rangesFor(ends, {})).toEqual([
      { partition: 0, from: 10, to: 50 },
      { partition: 1, from: 0, to: 5 },
    ]);
    expect(rangesFor(ends, { fromOffset: 3, toOffset: 20 })).toEqual([
      { partition: 0, from: 10, to: 20 },
      { partition: 1, from: 3, to: 5 },
    ]);
    expect(rangesFor(ends, { partition: 1, fromOffset: 2 })).toEqual([{ partition: 1, from: 2, to: 5 }]);
  });

  it('a dry run’s ranges exactly, clipped to what the topic still holds, partitions gone left out', () => {
    const counted = [
      { partition: 0, from: 5, to: 60 },
      { partition: 1, from: 1, to: 3 },
      { partition: 7, from: 0, to: 9 },
    ];
    // The options' partition and offsets do not widen or narrow a dry run's ranges.
    expect(rangesFor(ends, { ranges: counted, partition: 0, fromOffset: 40 })).toEqual([
      { partition: 0, from: 10, to: 50 },
      { partition: 1, from: 1, to: 3 },
    ]);
  });

  it('reports what it read, what it would replay and what is refused, per reason', () => {
    const report = {
      read: 9,
      notSelected: 2,
      stillRefused: { too_large: 3, invalid_json: 1 },
      alreadyStored: 1,
      replayed: 2,
      dryRun: true,
      ranges: [{ partition: 0, from: 10, to: 19 }],
    };
    expect(formatReport(report, 'events.dlq').split('\n')).toEqual([
      'events.dlq read: 9 dead letters (partition:from..to 0:10..19)',
      'would replay: 2',
      'already stored: 1',
      'still refused: 4 (too_large 3, invalid_json 1)',
      'not selected by --reason: 2',
    ]);
    expect(
      formatReport({ ...report, dryRun: false, notSelected: 0, stillRefused: {}, ranges: [] }, 'd').split('\n'),
    ).toEqual([
      'd read: 9 dead letters (partition:from..to none)',
      'replayed: 2',
      'already stored: 1',
      'still refused: 0',
    ]);
  });
});
