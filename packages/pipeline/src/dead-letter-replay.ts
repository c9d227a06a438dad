import { randomUUID } from 'node:crypto';
import {
  type BucketKeys,
  bucketKeys,
  bucketOf,
  deadLetterOrigin,
  eventIdBytes,
  type RedisKeys,
  withoutDeadLetterHeaders,
} from '@eventstreamapp/event-schema';
import { createProducer, type PartitionEnds, topicEnds } from '@eventstreamapp/service-kit';
import { Cluster, type Redis } from 'ioredis';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { planChunk } from './plan-chunk.js';
import { type PartitionRange, readTopicRanges } from './read-ranges.js';

export interface ReplayOptions {
  /** Start at this offset of each partition (default: the oldest kept). */
  fromOffset?: number;
  /** Stop before this offset of each partition (default: its end when the replay starts). */
  toOffset?: number;
  /** Only this partition of the dead-letter topic. */
  partition?: number;
  /**
   * Exactly these ranges (a dry run's, so that what is replayed is what was counted), each clipped to what
   * the topic still holds; fromOffset, toOffset and partition are then ignored.
   */
  ranges?: PartitionRange[];
  /** Only records refused for one of these reasons (dlq-reason header). */
  reasons?: string[];
  /** Count what would be replayed; publish nothing. */
  dryRun?: boolean;
  /** Called with the counts so far, after every batch checked and every 1,000 records read. */
  onProgress?: (report: ReplayReport) => void;
  /** Ends the replay early; what was sent stays sent (each record once). */
  signal?: AbortSignal;
}

export interface ReplayReport {
  /** Dead letters in the range read. */
  read: number;
  /** Left out by --reason. */
  notSelected: number;
  /** Refused again by today's schema and configuration, by reason. */
  stillRefused: Record<string, number>;
  /** Already in event_log, or the same record earlier in this replay. */
  alreadyStored: number;
  /** Published to the events topic (or, dry run, that would be). */
  replayed: number;
  dryRun: boolean;
  ranges: PartitionRange[];
}

export interface ReplayDeps {
  kafka: Kafka;
  redis: Redis | Cluster;
  keys: Pick<RedisKeys, 'eventLog' | 'eventIds' | 'replayLock'>;
  /** REDIS_CLUSTER_BUCKETS: on a Redis Cluster, "already stored" is looked up in that many buckets of the log. */
  clusterBuckets?: number;
  /** Who replays, shown to whoever finds the replay lock taken: `make dlq-replay`, or a viewer's user. */
  holder: string;
  topics: { events: string; dlq: string };
  maxEventBytes: number;
  /** TIMESTAMP_MAX_FUTURE_MS, as the consumer applies it. */
  maxFutureMs: number;
  /**
   * Longest wait for the next dead letters before the replay gives up (a stalled broker), not a limit on its length.
   */
  stallTimeoutMs?: number;
}

/** Records checked against Redis and published together: count and bytes both bound a batch. */
const CHECK_RECORDS = 500;
const CHECK_BYTES = 1024 * 1024;

/** How long the replay lock outlives a replayer that died without releasing it; renewed every third of it. */
const LOCK_TTL_MS = 30_000;

/** Another replay holds the lock: one replay at a time, whoever started it. */
class ReplayBusyError extends Error {
  constructor(readonly holder: string) {
    super(`another dead-letter replay is running (${holder}); try again when it ends`);
  }
}

/**
 * The ranges a replay reads: a dry run's own, or the options' partition and offsets, each clipped to what the topic
 * holds.
 */
export function rangesFor(ends: PartitionEnds[], options: ReplayOptions): PartitionRange[] {
  if (options.ranges) {
    return options.ranges.flatMap((r) => {
      const end = ends.find((p) => p.partition === r.partition);
      return end ? [{ partition: r.partition, from: Math.max(end.low, r.from), to: Math.min(end.high, r.to) }] : [];
    });
  }
  return ends
    .filter((p) => options.partition === undefined || p.partition === options.partition)
    .map((p) => ({
      partition: p.partition,
      from: Math.max(p.low, options.fromOffset ?? 0),
      to: Math.min(p.high, options.toOffset ?? p.high),
    }));
}

const RELEASE_LUA = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW_LUA =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

/** The lock expired or another replayer holds it: this replay sends nothing more. */
class ReplayLockLostError extends Error {}

/**
 * A held replay lock. Its value (a UUID and the holder) is the fencing value: before each batch is sent,
 * `confirm` renews the lock in the same Redis call that checks the value is still ours, so a replay whose
 * lock expired (Redis slow or away past LOCK_TTL_MS) or was taken by another stops before its next batch.
 * What remains unguarded is the one send under way after a confirm: it must end within LOCK_TTL_MS.
 */
interface HeldLock {
  confirm(): Promise<void>;
}

/** Takes the replay lock for the duration of `work`, or throws ReplayBusyError naming who holds it. */
async function withReplayLock<T>(
  redis: Redis | Cluster,
  key: string,
  holder: string,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const value = `${randomUUID()} ${holder}`;
  if ((await redis.set(key, value, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
    const current = await redis.get(key);
    throw new ReplayBusyError(current?.slice(current.indexOf(' ') + 1) ?? 'unknown');
  }
  let lost: ReplayLockLostError | undefined;
  const renew = async () => {
    if (lost) throw lost;
    const renewed = await redis.eval(RENEW_LUA, 1, key, value, String(LOCK_TTL_MS)).catch((err: Error) => {
      throw new ReplayLockLostError(`could not renew the replay lock (${err.message}): the replay stopped`);
    });
    if (renewed === 0) {
      lost = new ReplayLockLostError('the replay lock expired or another replay took it: this replay stopped');
      throw lost;
    }
  };
  // Between batches (a long read of records that are all refused) the lock is kept by this timer; a failure
  // here is kept and stops the replay at its next batch.
  const timer = setInterval(() => renew().catch(() => undefined), LOCK_TTL_MS / 3);
  try {
    return await work({ confirm: renew });
  } finally {
    clearInterval(timer);
    await redis.eval(RELEASE_LUA, 1, key, value).catch(() => undefined);
  }
}

/**
 * Sends the dead letters that today's schema and configuration accept back to the events topic: same
 * key, value and headers (without the dead-letter ones), so the consumer stores each by its event_id
 * once however often it is replayed. What `event_log` already holds is not sent at all. A replay that
 * publishes holds the replay lock (REPLAY_LOCK_KEY) throughout and stops, with ReplayLockLostError, before
 * the first batch it could not confirm the lock for; a dry run takes none.
 */
export async function replayDeadLetters(deps: ReplayDeps, options: ReplayOptions = {}): Promise<ReplayReport> {
  if (options.dryRun) return replayUnlocked(deps, options);
  return withReplayLock(deps.redis, deps.keys.replayLock, deps.holder, (lock) => replayUnlocked(deps, options, lock));
}

async function replayUnlocked(deps: ReplayDeps, options: ReplayOptions, lock?: HeldLock): Promise<ReplayReport> {
  const { kafka, redis, keys, topics, maxEventBytes, maxFutureMs, stallTimeoutMs = 60_000 } = deps;
  const log = redis instanceof Cluster ? bucketKeys(keys, deps.clusterBuckets ?? 12) : keys.eventLog;
  const admin = kafka.admin();
  await admin.connect();
  let ends: PartitionEnds[];
  try {
    ends = await topicEnds(admin, topics.dlq);
  } finally {
    await admin.disconnect();
  }
  if (options.partition !== undefined && !ends.some((p) => p.partition === options.partition)) {
    throw new Error(`${topics.dlq} has no partition ${options.partition} (it has ${ends.length})`);
  }
  const ranges = rangesFor(ends, options);
  const report: ReplayReport = {
    read: 0,
    notSelected: 0,
    stillRefused: {},
    alreadyStored: 0,
    replayed: 0,
    dryRun: options.dryRun ?? false,
    ranges,
  };
  const reasons = options.reasons ? new Set(options.reasons) : undefined;
  // Ids sent in this run (36 bytes each): the same event refused twice is sent once.
  const seen = new Set<string>();
  const producer = report.dryRun ? undefined : createProducer(kafka);
  await producer?.connect();
  // Accepted records wait here until CHECK_RECORDS or CHECK_BYTES of them are checked and sent together:
  // the replay holds one such batch at a time, however large the dead-letter topic.
  let pending: KafkaMessage[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    // Cancelled while this batch was gathered or checked: none of it is sent (what was sent stays sent).
    if (options.signal?.aborted) return;
    const unstored = await notYetStored(redis, log, batch);
    if (options.signal?.aborted) return;
    report.alreadyStored += batch.length - unstored.length;
    report.replayed += unstored.length;
    if (producer && unstored.length > 0) {
      await lock?.confirm();
      const messages = unstored.map((m) => ({
        key: m.key,
        value: m.value,
        headers: withoutDeadLetterHeaders(m.headers) as Message['headers'],
      }));
      await producer.send({ topic: topics.events, acks: -1, messages });
    }
    options.onProgress?.(report);
  };
  try {
    await readTopicRanges(
      kafka,
      topics.dlq,
      ranges,
      async (_partition, message) => {
        report.read++;
        if (report.read % 1_000 === 0) options.onProgress?.(report);
        if (reasons && !reasons.has(deadLetterOrigin(message.headers).reason)) {
          report.notSelected++;
          return;
        }
        const { accepted, refused } = planChunk([message], { maxEventBytes, maxFutureMs });
        if (refused[0]) {
          const code = refused[0].rejection.code;
          report.stillRefused[code] = (report.stillRefused[code] ?? 0) + 1;
          return;
        }
        const id = accepted[0]!.record.event.event_id;
        if (seen.has(id)) {
          report.alreadyStored++;
          return;
        }
        seen.add(id);
        const size = message.value!.length + (message.key?.length ?? 0);
        if (pending.length >= CHECK_RECORDS || (pending.length > 0 && pendingBytes + size > CHECK_BYTES)) await flush();
        pending.push(message);
        pendingBytes += size;
      },
      { groupPrefix: 'dlq-replay', stallTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) },
    );
    await flush();
  } finally {
    await producer?.disconnect();
  }
  return report;
}

/** The bucket of `event_log` a record's event would be stored in (by its event_id), or undefined without one. */
function bucketOfRecord(value: Buffer | null, buckets: BucketKeys[]): BucketKeys | undefined {
  try {
    const id = (JSON.parse(value?.toString() ?? '') as { event_id?: unknown }).event_id;
    return typeof id === 'string' ? buckets[bucketOf(eventIdBytes(id), buckets.length)] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The records whose exact JSON `event_log` does not hold (the consumer stores the record's own bytes), in one
 * ZMSCORE — or, in the cluster topology, one per bucket the records' event_ids fall in, sent together.
 */
async function notYetStored(
  redis: Redis | Cluster,
  log: string | BucketKeys[],
  messages: KafkaMessage[],
): Promise<KafkaMessage[]> {
  if (messages.length === 0) return [];
  if (typeof log === 'string') {
    const scores = await redis.zmscore(log, ...messages.map((m) => m.value!));
    return messages.filter((_m, i) => scores[i] === null);
  }
  const byBucket = new Map<string, KafkaMessage[]>();
  const unknown: KafkaMessage[] = [];
  for (const message of messages) {
    const bucket = bucketOfRecord(message.value, log);
    if (!bucket) unknown.push(message);
    else byBucket.set(bucket.eventLog, [...(byBucket.get(bucket.eventLog) ?? []), message]);
  }
  const stored = new Set<KafkaMessage>();
  await Promise.all(
    [...byBucket].map(async ([key, group]) => {
      const scores = await redis.zmscore(key, ...group.map((m) => m.value!));
      for (const [i, m] of group.entries()) if (scores[i] !== null) stored.add(m);
    }),
  );
  return messages.filter((m) => !stored.has(m));
}

/** The report as the lines `make dlq-replay` prints. */
export function formatReport(report: ReplayReport, dlqTopic: string): string {
  const range = report.ranges.map((r) => `${r.partition}:${r.from}..${r.to}`).join(' ') || 'none';
  const refused = Object.entries(report.stillRefused)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const refusedCount = Object.values(report.stillRefused).reduce((a, b) => a + b, 0);
  return [
    `${dlqTopic} read: ${report.read} dead letters (partition:from..to ${range})`,
    `${report.dryRun ? 'would replay' : 'replayed'}: ${report.replayed}`,
    `already stored: ${report.alreadyStored}`,
    `still refused: ${refusedCount}${refused ? ` (${refused})` : ''}`,
    ...(report.notSelected ? [`not selected by --reason: ${report.notSelected}`] : []),
  ].join('\n');
}
