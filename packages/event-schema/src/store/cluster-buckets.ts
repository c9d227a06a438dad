/**
 * The cluster topology's layout of the log (README "Scaling out", ARCHITECTURE.md "The cluster store"):
 * `event_log` and the dedup index are split into buckets, an event's bucket chosen by
 * its event_id, and each bucket's keys share one hash tag so that one script stores a bucket's part of a
 * chunk atomically. The tags are chosen so that bucket i's slot lies in the i-th of `count` equal parts
 * of the slot range: `redis-cli --cluster create` gives each master an equal part, so with a bucket count
 * that is a multiple of the masters every master holds the same number of buckets — and takes the same
 * share of the writes, since event_ids are random where the bucket is read.
 */
import type { RedisKeys } from './keys.js';

/** Redis Cluster's slot count (the cluster specification, "Key distribution model"). */
export const CLUSTER_SLOTS = 16_384;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as the cluster specification defines it. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/**
 * The slot of a key: of its hash tag — what lies between the first `{` and the next `}`, when that is
 * not empty — or else of the whole key.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % CLUSTER_SLOTS;
  }
  return crc16(bytes) % CLUSTER_SLOTS;
}

/** The first slot of bucket i's part of the slot range, of `count` parts. */
const partStart = (i: number, count: number) => Math.floor((i * CLUSTER_SLOTS) / count);

/** Bucket i's hash tag: the first `<i>.<k>` (k = 0, 1, …) whose slot lies in the i-th part of the range. */
export function bucketTag(i: number, count: number): string {
  const [low, high] = [partStart(i, count), partStart(i + 1, count)];
  for (let k = 0; ; k++) {
    const tag = `${i}.${k}`;
    const slot = keySlot(`{${tag}}`);
    if (slot >= low && slot < high) return tag;
  }
}

/** The bucket of an event_id's 16 bytes: its last four (random in every UUID version we take) mod the count. */
export function bucketOf(id: Buffer, count: number): number {
  return id.readUInt32BE(12) % count;
}

/** One bucket's keys, both in the slot of its tag. */
export interface BucketKeys {
  tag: string;
  eventLog: string;
  eventIds: string;
}

/** The keys of `count` buckets under the key prefix (which must not hold a `{`: the tag would be its). */
export function bucketKeys(keys: Pick<RedisKeys, 'eventLog' | 'eventIds'>, count: number): BucketKeys[] {
  if (keys.eventLog.includes('{')) throw new Error('a key prefix in the cluster topology cannot hold "{"');
  return Array.from({ length: count }, (_, i) => {
    const tag = bucketTag(i, count);
    return {
      tag,
      eventLog: `${keys.eventLog}:{${tag}}`,
      eventIds: `${keys.eventIds}:{${tag}}`,
    };
  });
}

/**
 * The generator's claims of client-chosen event_ids in the cluster topology: one hash tag for the whole index,
 * because a request's ids are claimed all or nothing in one script. It does not spread over the masters; it
 * holds only ids that clients chose, for the dedup window (about 40 bytes each).
 */
export function claimsKeyInCluster(keys: Pick<RedisKeys, 'eventClaims'>): string {
  return `${keys.eventClaims}:{claims}`;
}

/**
 * The cluster topology's live stream and, in its slot, each partition's highest offset streamed
 * (STREAM_APPEND_LUA): one stream, capped, so the viewer follows it as on one node.
 */
export function streamKeysInCluster(keys: Pick<RedisKeys, 'eventStream'>): { stream: string; offsets: string } {
  return { stream: `${keys.eventStream}:{live}`, offsets: `${keys.eventStream}:{live}:offsets` };
}
