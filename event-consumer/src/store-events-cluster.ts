import { createHash } from 'node:crypto';
import {
  type BucketKeys,
  bucketOf,
  eventIdBytes,
  type RedisKeys,
  streamKeysInCluster,
} from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { redisFailure, ServiceError } from '@eventstreamapp/service-kit';
import type { Cluster } from 'ioredis';
import { MIN_TRIM_BUDGET, type StoreOptions, type StoreResult } from './store-events.js';
import { STORE_BUCKET_LUA, STREAM_APPEND_LUA, TRIM_LUA } from './store-script.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SCRIPTS = {
  trim: { source: TRIM_LUA, sha: sha1(TRIM_LUA) },
  store: { source: STORE_BUCKET_LUA, sha: sha1(STORE_BUCKET_LUA) },
  stream: { source: STREAM_APPEND_LUA, sha: sha1(STREAM_APPEND_LUA) },
};

/**
 * Where a store may be cut short, for the tests of a consumer killed mid-chunk: called before each
 * bucket's scripts are sent, before each user key is written and before the announcement; a throw stops
 * the store there, with what was sent before it left to finish.
 */
export type StoreFailpoint = (step: 'bucket' | 'user key' | 'stream' | 'announce', index: number) => void;

/** One bucket's part of a chunk: the store script's per-event arguments and the events' places in the chunk. */
interface BucketPart {
  bucket: BucketKeys;
  args: (string | Buffer)[];
  places: number[];
}

/**
 * Stores a chunk in the cluster topology, where its events live in several slots (ARCHITECTURE.md,
 * "The cluster store"). No one script can hold it, so the order makes it safe to cut short anywhere:
 * 1. each bucket's part, atomically on its master (STORE_BUCKET_LUA: dedup, log, and each new id's
 *    journey in the index), all buckets at once;
 * 2. then each user's key, with that user's last event of the chunk that its bucket stored now or had
 *    stored from this same record before (a retry after step 1 or 2 was cut short);
 * 3. then the same events, less those older than the retention, to the live stream (STREAM_APPEND_LUA,
 *    which streams each partition's offsets once);
 * 4. then the announcement, and WAIT on every master when replicas are required.
 * A chunk retried after a failure anywhere leaves every event once in its bucket's log and in the stream,
 * and the last one in each user's key. The caller commits offsets only after this returns, as with one node.
 */
export async function storeEventsInCluster(
  cluster: Cluster,
  keys: RedisKeys,
  buckets: BucketKeys[],
  accepted: Accepted[],
  options: StoreOptions,
  failpoint?: StoreFailpoint,
): Promise<StoreResult> {
  if (accepted.length === 0) return { stored: 0, duplicates: 0, expired: 0 };
  const now = (options.now ?? Date.now)();
  const share = (cap: number) => (cap > 0 ? Math.ceil(cap / buckets.length) : 0);
  // STORE_ARGUMENTS_LUA's seven; the stream, the channel and the user key TTL are this function's business.
  const header = [now, options.dedupWindowMs, share(options.maxLogLength), 0, '', options.retentionMs, 0].map(String);

  const parts = new Map<number, BucketPart>();
  accepted.forEach(({ record, bytes, journey }, place) => {
    const id = eventIdBytes(record.event.event_id);
    const index = bucketOf(id, buckets.length);
    let part = parts.get(index);
    if (!part) {
      part = { bucket: buckets[index]!, args: [...header], places: [] };
      parts.set(index, part);
    }
    part.args.push(id, String(record.event.timestamp), '0', bytes, journey ?? '');
    part.places.push(place);
  });

  const trimArgs = [now, options.dedupWindowMs, options.retentionMs, share(options.maxLogLength)];
  const replies = await sendAll([...parts.values()], 'bucket', failpoint, (part) =>
    storeBucket(cluster, part, trimArgs),
  );

  let stored = 0;
  let duplicates = 0;
  let expired = 0;
  let newest = 0;
  const write = new Array<boolean>(accepted.length).fill(false);
  replies.forEach((reply, n) => {
    const places = [...parts.values()][n]!.places;
    stored += reply.stored;
    duplicates += reply.duplicates;
    expired += reply.expired;
    newest = Math.max(newest, reply.newest);
    for (const position of reply.positions) write[places[position - 1]!] = true;
  });

  const latest = new Map<string, string | Buffer>();
  const cutoff = options.retentionMs > 0 ? now - options.retentionMs : Number.NEGATIVE_INFINITY;
  const streamArgs: (string | Buffer)[] = [String(options.maxStreamLength)];
  accepted.forEach(({ record, bytes, journey }, place) => {
    if (!write[place]) return;
    latest.set(record.event.user_id, bytes);
    // As one node's script: what the log no longer keeps is not streamed either.
    if (record.event.timestamp >= cutoff) streamArgs.push('', String(record.event.timestamp), '', bytes, journey ?? '');
  });
  await sendAll([...latest], 'user key', failpoint, ([user, json]) => {
    const key = keys.eventKey(user);
    return options.userKeyTtlMs > 0 ? cluster.set(key, json, 'PX', options.userKeyTtlMs) : cluster.set(key, json);
  });
  if (options.maxStreamLength > 0 && streamArgs.length > 1) {
    const { stream, offsets } = streamKeysInCluster(keys);
    await sendAll([streamArgs], 'stream', failpoint, (args) =>
      runScript(cluster, SCRIPTS.stream, [stream, offsets], args),
    );
  }
  if (stored > 0) {
    const notice = `{"count":${stored},"newest_timestamp":${newest}}`;
    await sendAll([notice], 'announce', failpoint, (text) => cluster.publish(keys.storedChannel, text));
  }
  if (options.waitReplicas > 0) await waitForReplicas(cluster, options);
  return { stored, duplicates, expired };
}

interface BucketReply {
  stored: number;
  duplicates: number;
  expired: number;
  newest: number;
  /** Places in the bucket's part (from 1) whose user key to write: new events, then ones stored before. */
  positions: number[];
}

/** The trim script, then the store script, on the bucket's master (sent together: one round trip). */
async function storeBucket(cluster: Cluster, part: BucketPart, trimArgs: number[]): Promise<BucketReply> {
  const { eventLog, eventIds } = part.bucket;
  const budget = Math.max(MIN_TRIM_BUDGET, 2 * part.places.length);
  const [, reply] = await settleAll([
    runScript(cluster, SCRIPTS.trim, [eventLog, eventIds], [...trimArgs, budget].map(String)),
    runScript(cluster, SCRIPTS.store, [eventLog, eventIds], part.args),
  ]);
  const [stored, duplicates, expired, newest, , ...positions] = reply as number[];
  return { stored: stored!, duplicates: duplicates!, expired: expired!, newest: newest!, positions };
}

/** EVALSHA, and the source once when the node has not seen the script (a new, restarted or promoted node). */
async function runScript(
  cluster: Cluster,
  script: { source: string; sha: string },
  keys: string[],
  args: (string | Buffer)[],
): Promise<unknown> {
  // One array (ioredis flattens it): a chunk's arguments spread into a call would exceed the call stack.
  const all = [...keys, ...args];
  try {
    return await cluster.evalsha(script.sha, keys.length, all);
  } catch (err) {
    if (!(err as Error | null)?.message?.startsWith('NOSCRIPT')) throw err;
    return await cluster.eval(script.source, keys.length, all);
  }
}

/**
 * Sends each item's write, asking the failpoint first; when it cuts the store short, what was sent is
 * still waited for before its throw goes on (nothing left to fail unheard).
 */
async function sendAll<I, T>(
  items: I[],
  step: Parameters<StoreFailpoint>[0],
  failpoint: StoreFailpoint | undefined,
  send: (item: I) => Promise<T>,
): Promise<T[]> {
  const sent: Promise<T>[] = [];
  try {
    items.forEach((item, n) => {
      failpoint?.(step, n);
      sent.push(send(item));
    });
  } catch (cut) {
    await Promise.allSettled(sent);
    throw cut;
  }
  return settleAll(sent);
}

/** Waits for every write sent, then throws the first failure as a ServiceError: nothing is left in flight. */
async function settleAll<T>(sent: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw redisFailure(failed.reason);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * WAIT on each master: the chunk's buckets and user keys may be on any of them. The client's list of masters
 * can outlive a failover: a MOVED reply mends the slot it names and nothing else, so writes go to the new
 * master while the demoted one, a replica now, stays listed and refuses every WAIT ("cannot be used with
 * replica instances") until something refreshes the map — in a chaos run, for minutes. So a failed WAIT
 * refreshes the map and asks the masters it names once more before the failure counts.
 */
export async function waitForReplicas(cluster: Cluster, options: StoreOptions): Promise<void> {
  const waitOnMasters = () =>
    settleAll(cluster.nodes('master').map((m) => m.wait(options.waitReplicas, options.waitTimeoutMs)));
  const acknowledged = await waitOnMasters().catch(async () => {
    await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    return waitOnMasters();
  });
  const fewest = Math.min(...acknowledged);
  if (fewest < options.waitReplicas) {
    throw new ServiceError(
      'redis_not_replicated',
      `${fewest} of ${options.waitReplicas} Redis replicas acknowledged the chunk on a master within \
${options.waitTimeoutMs} ms`,
      { retryable: true },
    );
  }
}
