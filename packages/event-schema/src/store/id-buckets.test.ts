import { describe, expect, it } from 'vitest';
import { eventIdBytes, idsTakenBetween, idsTakenByBucket } from './id-buckets.js';

describe('ids taken by an id index, from its meta hash', () => {
  it('reads each bucket’s count and ignores its shard counts', () => {
    expect(idsTakenByBucket({ '100': '16', '100:n': '1500', '101': '32', '101:n': '7' })).toEqual(
      new Map([
        ['100', 1500],
        ['101', 7],
      ]),
    );
  });

  it('counts each bucket’s growth between two readings, a new bucket whole, nothing for one dropped meanwhile', () => {
    const before = idsTakenByBucket({ '99:n': '4000', '100:n': '1500' });
    const after = idsTakenByBucket({ '100:n': '1600', '101:n': '25' });
    // The sum of the counts fell (5,500 → 1,625) as bucket 99 was dropped; 125 ids were taken.
    expect(idsTakenBetween(before, after)).toBe(125);
    expect(idsTakenBetween(after, after)).toBe(0);
  });
});

describe('eventIdBytes', () => {
  it('is the 16 bytes a UUID writes in hex, whatever its dashes', () => {
    expect(eventIdBytes('0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69').toString('hex')).toBe(
      '0b6a3a8e1f0c4d559a7e3c1f2d4b5a69',
    );
    expect(eventIdBytes('0B6A3A8E-1F0C-4D55-9A7E-3C1F2D4B5A69')).toHaveLength(16);
  });
});
