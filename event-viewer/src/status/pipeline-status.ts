import { idsTakenBetween } from '@eventstreamapp/event-schema';
import { committedOffsets } from '@eventstreamapp/pipeline';
import { type AdminSession, type PartitionEnds, topicEnds } from '@eventstreamapp/service-kit';
import type { Cluster, Redis } from 'ioredis';
import type { DeadLetterWindow } from '../dlq/dead-letters.js';
import { type EndSample, lagSeconds } from './lag-estimate.js';
import { judgePartition, type LagState, type PartitionSample } from './lag-states.js';
import { readCluster, readGroupMembers, readRedisStatus } from './pipeline-sources.js';

export interface PipelineStatusOptions {
  admin: AdminSession;
  /** The viewer's command-timeout client: a frozen Redis costs a sample at most REDIS_COMMAND_TIMEOUT_MS. */
  redis: Redis | Cluster;
  topics: { events: string; dlq: string };
  group: string;
  /** The consumer's dedup index (`event_ids`): it counts every event stored. */
  /** The dedup index's key, or in the cluster topology each log bucket's. */
  dedupIndexKeys: string[];
  sampleMs: number;
  historyMs: number;
  /** Each partition's consumer is judged over the samples of this window (lag-states.ts). */
  lagWindowMs: number;
  deadLetters?: Pick<DeadLetterWindow, 'letters' | 'ends'>;
  onError: (source: string, err: unknown) => void;
  now?: () => number;
}

interface PartitionStatus {
  partition: number;
  high: number;
  committed: number;
  lagRecords: number;
  lagSeconds: number;
  /** The oldest waiting record is older than the history: lagSeconds is a lower bound. */
  lagSecondsAtLeast: boolean;
  /** The member holding it, or null while nobody does. */
  member: string | null;
  /** Its consumer judged over the lag window (lag-states.ts), and why. */
  state: LagState;
  stateReason: string;
}

export interface HistoryPoint {
  t: number;
  lagRecords: number;
  lagSeconds: number;
  publishedPerSecond: number | null;
  storedPerSecond: number | null;
}

/** What /status shows: each part null when its source did not answer at the last sample (`errors` says which). */
export interface PipelineSnapshot {
  at: string;
  group: {
    id: string;
    state: string;
    members: { id: string; clientId: string; host: string; partitions: number[] }[];
  } | null;
  partitions: PartitionStatus[] | null;
  lag: { records: number; seconds: number } | null;
  publishedPerSecond: number | null;
  storedPerSecond: number | null;
  dlq: { depth: number; newest: { refusedAt: string; reason: string; message: string }[] } | null;
  redis: {
    usedBytes: number;
    maxBytes: number;
    role: string;
    replicas: { address: string; state: string; lagSeconds: number }[];
    sentinel: boolean;
  } | null;
  kafka: {
    brokers: { nodeId: number; address: string }[];
    controller: number | null;
    underReplicated: number;
    offline: number;
  } | null;
  history: HistoryPoint[];
  errors: { source: string; message: string }[];
}

interface Sample {
  t: number;
  ends: PartitionEnds[] | null;
  /** Events the dedup index took, per bucket (idsTakenByBucket): the stored rate is their growth. */
  storedByBucket: Map<string, number> | null;
}

const rate = (a: number | null | undefined, b: number | null | undefined, ms: number) =>
  a == null || b == null || ms <= 0 ? null : Math.max(0, ((b - a) * 1000) / ms);

const total = (ends: PartitionEnds[] | null) => (ends ? ends.reduce((sum, p) => sum + p.high, 0) : null);

/**
 * Each partition's lag in records and seconds, who holds it, and its state judged over the lag window (whose
 * samples `windows` keeps, oldest first).
 */
function judgePartitions(
  ends: PartitionEnds[],
  committed: Map<number, number>,
  groupStatus: Awaited<ReturnType<typeof readGroupMembers>> | null,
  samples: Sample[],
  windows: Map<number, PartitionSample[]>,
  t: number,
  lagWindowMs: number,
): PartitionStatus[] {
  const holder = new Map<number, string>();
  for (const m of groupStatus?.members ?? []) for (const p of m.partitions) holder.set(p, m.clientId || m.id);
  return ends.map((p) => {
    const history: EndSample[] = samples.flatMap((s) => {
      const end = s.ends?.find((e) => e.partition === p.partition);
      return end ? [{ t: s.t, high: end.high }] : [];
    });
    const c = committed.get(p.partition) ?? p.low;
    const lag = lagSeconds(history, c, t);
    const window = [
      ...(windows.get(p.partition) ?? []),
      { t, committed: c, lag: Math.max(0, p.high - c), held: holder.has(p.partition) },
    ];
    while (window.length > 0 && window[0]!.t < t - lagWindowMs) window.shift();
    windows.set(p.partition, window);
    const judged = judgePartition(window);
    return {
      partition: p.partition,
      high: p.high,
      committed: c,
      lagRecords: Math.max(0, p.high - c),
      lagSeconds: Math.round(lag.seconds * 10) / 10,
      lagSecondsAtLeast: lag.atLeast,
      member: holder.get(p.partition) ?? null,
      state: judged.state,
      stateReason: judged.reason,
    };
  });
}

/** The group's lag: records waiting in all partitions, and the oldest wait of any. */
function totalLag(partitions: PartitionStatus[]) {
  return {
    records: partitions.reduce((s, p) => s + p.lagRecords, 0),
    seconds: Math.max(0, ...partitions.map((p) => p.lagSeconds)),
  };
}

/** The dead-letter topic's depth and its five newest letters. */
function dlqSummary(dlqEnds: PartitionEnds[], deadLetters: NonNullable<PipelineStatusOptions['deadLetters']>) {
  return {
    depth: dlqEnds.reduce((s, p) => s + p.high - p.low, 0),
    newest: deadLetters
      .letters()
      .slice(0, 5)
      .map((l) => ({
        refusedAt: new Date(l.refusedAt).toISOString(),
        reason: l.origin.reason,
        message: l.origin.message,
      })),
  };
}

/** A source read that fails gives null, reported to `onError` and noted in the sample's `errors`. */
function settler(onError: PipelineStatusOptions['onError'], errors: { source: string; message: string }[]) {
  return async <T>(source: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      onError(source, err);
      errors.push({ source, message: (err as Error).message ?? String(err) });
      return null;
    }
  };
}

/** What /status says before its first sample. */
function noSampleYet(at: number, history: HistoryPoint[]): PipelineSnapshot {
  return {
    at: new Date(at).toISOString(),
    group: null,
    partitions: null,
    lag: null,
    publishedPerSecond: null,
    storedPerSecond: null,
    dlq: null,
    redis: null,
    kafka: null,
    history,
    errors: [{ source: 'status', message: 'no sample taken yet' }],
  };
}

/**
 * The pipeline's state as an operator needs it, sampled every `sampleMs` from Kafka (an admin client) and
 * Redis — never by calling the other services — and kept for `historyMs` for the charts and the lag in
 * seconds. Each sample is a handful of requests (offsets, group, cluster, INFO, the dedup index's counts), whatever the
 * load.
 */
export function createPipelineStatus(options: PipelineStatusOptions) {
  const {
    admin,
    redis,
    topics,
    group,
    dedupIndexKeys,
    sampleMs,
    historyMs,
    lagWindowMs,
    deadLetters,
    onError,
    now = Date.now,
  } = options;
  /** Each partition's samples over the lag window, oldest first. */
  const windows = new Map<number, PartitionSample[]>();
  const samples: Sample[] = [];
  const history: HistoryPoint[] = [];
  const maxSamples = Math.max(2, Math.ceil(historyMs / sampleMs) + 1);
  let snapshot = noSampleYet(now(), history);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function sample(): Promise<void> {
    const t = now();
    const errors: { source: string; message: string }[] = [];
    const settle = settler(onError, errors);
    const [ends, groupStatus, cluster, redisStatus, dlqEnds] = await Promise.all([
      settle('kafka', async () => topicEnds(await admin.get(), topics.events)),
      settle('group', async () => readGroupMembers(await admin.get(), group, topics.events)),
      settle('cluster', async () => readCluster(await admin.get(), [topics.events, topics.dlq])),
      settle('redis', () => readRedisStatus(redis, dedupIndexKeys)),
      deadLetters ? settle('dlq', () => deadLetters.ends(t)) : Promise.resolve(null),
    ]);
    const committed = ends
      ? await settle('group', async () => committedOffsets(await admin.get(), group, topics.events, ends))
      : null;
    const previous = samples[samples.length - 1];
    samples.push({ t, ends, storedByBucket: redisStatus?.storedByBucket ?? null });
    if (samples.length > maxSamples) samples.shift();

    const partitions =
      ends && committed ? judgePartitions(ends, committed, groupStatus, samples, windows, t, lagWindowMs) : null;
    const lag = partitions && totalLag(partitions);
    const dt = previous ? t - previous.t : 0;
    const publishedPerSecond = rate(total(previous?.ends ?? null), total(ends), dt);
    const [before, after] = [previous?.storedByBucket, redisStatus?.storedByBucket];
    const storedPerSecond = before && after ? rate(0, idsTakenBetween(before, after), dt) : null;
    history.push({
      t,
      lagRecords: lag?.records ?? 0,
      lagSeconds: lag?.seconds ?? 0,
      publishedPerSecond,
      storedPerSecond,
    });
    if (history.length > maxSamples) history.shift();
    snapshot = {
      at: new Date(t).toISOString(),
      group: groupStatus,
      partitions,
      lag,
      publishedPerSecond,
      storedPerSecond,
      dlq: dlqEnds && deadLetters ? dlqSummary(dlqEnds, deadLetters) : null,
      redis: redisStatus?.status ?? null,
      kafka: cluster,
      history,
      errors,
    };
  }

  const loop = () => {
    void sample().finally(() => {
      if (!stopped) {
        timer = setTimeout(loop, sampleMs);
        timer.unref();
      }
    });
  };

  return {
    start(): void {
      loop();
    },
    snapshot(): PipelineSnapshot {
      return snapshot;
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export type PipelineStatus = ReturnType<typeof createPipelineStatus>;
