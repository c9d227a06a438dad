import type { ChunkPlan, Refused } from '@eventstreamapp/pipeline';
import { planChunk } from '@eventstreamapp/pipeline';
import { backoffDelay, ServiceError } from '@eventstreamapp/service-kit';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { StoreResult } from './store-events.js';

/** What consuming a batch needs from kafkajs' eachBatch payload. */
export type BatchContext = Pick<
  EachBatchPayload,
  'batch' | 'resolveOffset' | 'commitOffsetsIfNecessary' | 'heartbeat' | 'isRunning' | 'isStale'
>;

export type WriteTarget = 'redis' | 'dlq';

export interface ConsumeBatchDeps {
  chunkEvents: number;
  maxEventBytes: number;
  /** TIMESTAMP_MAX_FUTURE_MS: a record dated further ahead is dead-lettered (plan-chunk.ts). */
  maxFutureMs: number;
  maxBackoffMs: number;
  /** The backoff's jitter source (tests pin it). */
  random?: () => number;
  store(plan: ChunkPlan): Promise<StoreResult>;
  deadLetter(refused: Refused[], topic: string, partition: number): Promise<void>;
  /** Waits, waking early when `stillOurs` turns false. */
  pause(ms: number, stillOurs: () => boolean): Promise<void>;
  on: {
    failed(target: WriteTarget, err: unknown, attempt: number, retryInMs: number): void;
    recovered(target: WriteTarget, attempts: number): void;
    /** A chunk's offsets are committed; `messages` are its records as fetched (their broker timestamps). */
    chunkStored(plan: ChunkPlan, result: StoreResult, partition: number, messages: KafkaMessage[]): void;
  };
}

export type Attempt = 'succeeded' | 'no-longer-ours';

/**
 * Runs `write` until it succeeds, waiting longer after each failure, as long as the batch is still
 * this member's: once kafkajs stops or reassigns it, another member (or a restart) reads the same
 * records from the last committed offset, so giving up loses nothing.
 */
async function writeWhileOurs(
  target: WriteTarget,
  write: () => Promise<unknown>,
  ctx: Pick<BatchContext, 'isRunning' | 'isStale' | 'heartbeat'>,
  deps: Pick<ConsumeBatchDeps, 'maxBackoffMs' | 'random' | 'pause' | 'on'>,
): Promise<Attempt> {
  const stillOurs = () => ctx.isRunning() && !ctx.isStale();
  for (let attempt = 1; ; attempt++) {
    if (!stillOurs()) return 'no-longer-ours';
    try {
      await write();
      if (attempt > 1) deps.on.recovered(target, attempt);
      return 'succeeded';
    } catch (err) {
      // A refusal that repeating cannot cure (WRONGTYPE: someone else's key under our name) waits the
      // longest at once: the records stay uncommitted, nothing is lost, and an operator can fix it.
      const retryable = !(err instanceof ServiceError) || err.retryable;
      const delay = retryable
        ? backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: deps.maxBackoffMs }, deps.random)
        : deps.maxBackoffMs;
      deps.on.failed(target, err, attempt, delay);
      await deps.pause(delay, stillOurs);
      // A rebalance error from the heartbeat propagates: kafkajs rejoins and redelivers the records.
      await ctx.heartbeat();
    }
  }
}

/**
 * Stores a fetched batch chunk by chunk. A chunk's offsets are committed only after Redis (and, for
 * refused records, the dead-letter topic) acknowledged it; a chunk that cannot be written stays
 * uncommitted and is redelivered. Resolves 'no-longer-ours' when it stopped early for that reason.
 */
export async function consumeBatch(ctx: BatchContext, deps: ConsumeBatchDeps): Promise<Attempt> {
  const { batch } = ctx;
  for (let start = 0; start < batch.messages.length; start += deps.chunkEvents) {
    const messages = batch.messages.slice(start, start + deps.chunkEvents);
    const plan = planChunk(
      messages,
      { maxEventBytes: deps.maxEventBytes, maxFutureMs: deps.maxFutureMs },
      batch.partition,
    );
    let result: StoreResult = { stored: 0, duplicates: 0, expired: 0 };
    const stored = await writeWhileOurs(
      'redis',
      async () => {
        result = await deps.store(plan);
      },
      ctx,
      deps,
    );
    if (stored === 'no-longer-ours') return stored;
    if (plan.refused.length > 0) {
      const deadLettered = await writeWhileOurs(
        'dlq',
        () => deps.deadLetter(plan.refused, batch.topic, batch.partition),
        ctx,
        deps,
      );
      if (deadLettered === 'no-longer-ours') return deadLettered;
    }
    ctx.resolveOffset(messages[messages.length - 1]!.offset);
    await ctx.commitOffsetsIfNecessary();
    deps.on.chunkStored(plan, result, batch.partition, messages);
    await ctx.heartbeat();
  }
  return 'succeeded';
}
