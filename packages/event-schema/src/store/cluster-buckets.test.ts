import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketKeys, bucketOf, bucketTag, CLUSTER_SLOTS, keySlot } from './cluster-buckets.js';
import { eventIdBytes } from './id-buckets.js';
import { redisKeys } from './keys.js';

describe('keySlot', () => {
  // Values from the cluster specification ("123456789" → 0x31C3) and from CLUSTER KEYSLOT on Redis 7.0.
  it.each([
    ['123456789', 0x31c3 % CLUSTER_SLOTS],
    ['event_log', 13_858],
    ['foo', 12_182],
    ['{user1000}.following', 3_443],
    ['{user1000}.followers', 3_443],
    ['foo{}{bar}', 8_363],
    ['foo{{bar}}zap', 4_015],
    ['foo{bar}{zap}', 5_061],
  ])('gives %s the slot Redis gives it', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});

describe('bucketTag', () => {
  it('puts bucket i in the i-th equal part of the slot range, so equal masters hold equal buckets', () => {
    for (const count of [3, 12, 16]) {
      const slots = Array.from({ length: count }, (_, i) => keySlot(`{${bucketTag(i, count)}}`));
      slots.forEach((slot, i) => {
        expect(slot).toBeGreaterThanOrEqual(Math.floor((i * CLUSTER_SLOTS) / count));
        expect(slot).toBeLessThan(Math.floor(((i + 1) * CLUSTER_SLOTS) / count));
      });
    }
  });
});

describe('bucketOf', () => {
  const spread = (id: () => string) => {
    const counts = new Array(12).fill(0);
    for (let i = 0; i < 12_000; i++) counts[bucketOf(eventIdBytes(id()), 12)]++;
    return counts;
  };

  it('spreads random event ids evenly over the buckets', () => {
    for (const n of spread(randomUUID)) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it('spreads time-ordered ids a client may choose (UUIDv7: a shared millisecond prefix) as evenly', () => {
    const v7 = () => `0193a1b2-c3d4-7${randomUUID().slice(15)}`;
    for (const n of spread(v7)) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });
});

describe('bucketKeys', () => {
  it('gives each bucket its log and dedup index in one slot, under the key prefix', () => {
    const buckets = bucketKeys(redisKeys('p:'), 12);
    expect(buckets).toHaveLength(12);
    expect(buckets[0]).toEqual({
      tag: buckets[0]!.tag,
      eventLog: `p:event_log:{${buckets[0]!.tag}}`,
      eventIds: `p:event_ids:{${buckets[0]!.tag}}`,
    });
    for (const b of buckets) {
      expect(keySlot(b.eventIds)).toBe(keySlot(b.eventLog));
      // The dedup index's shard hashes are named by appending to it (id-buckets.ts): same slot.
      expect(keySlot(`${b.eventIds}:123:4`)).toBe(keySlot(b.eventIds));
    }
    expect(new Set(buckets.map((b) => keySlot(b.eventLog))).size).toBe(12);
  });

  it('refuses a key prefix holding "{", whose tag would take every bucket to one slot', () => {
    expect(() => bucketKeys(redisKeys('a{b}:'), 12)).toThrow(/cannot hold "\{"/);
  });
});
