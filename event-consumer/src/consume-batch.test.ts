import { normalizeEvent } from '@eventstreamapp/event-schema';
import type { ChunkPlan } from '@eventstreamapp/pipeline';
import { ServiceError } from '@eventstreamapp/service-kit';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type BatchContext, type ConsumeBatchDeps, consumeBatch } from './consume-batch.js';

function message(offset: number, value: string): KafkaMessage {
  return {
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

function valid(seq: number): string {
  const result = normalizeEvent({ user_id: `u${seq % 3}`, seq });
  if (!result.ok) throw new Error(result.rejection.message);
  return result.value.json;
}

/** kafkajs' eachBatch payload, recording what the batch loop does with it. */
function fakeContext(values: string[]) {
  const log: string[] = [];
  let running = true;
  let stale = false;
  const ctx: BatchContext = {
    batch: {
      topic: 't',
      partition: 1,
      messages: values.map((v, i) => message(i, v)),
    } as unknown as BatchContext['batch'],
    resolveOffset: (offset) => void log.push(`resolve ${offset}`),
    commitOffsetsIfNecessary: async () => void log.push('commit'),
    heartbeat: async () => void log.push('heartbeat'),
    isRunning: () => running,
    isStale: () => stale,
  };
  return { ctx, log, stop: () => (running = false), lose: () => (stale = true) };
}

function fakeDeps(overrides: Partial<ConsumeBatchDeps> = {}) {
  const stored: ChunkPlan[] = [];
  const pauses: number[] = [];
  const events: string[] = [];
  const deps: ConsumeBatchDeps = {
    chunkEvents: 2,
    maxEventBytes: 65_536,
    maxFutureMs: 300_000,
    maxBackoffMs: 400,
    // No jitter: the waits asserted below are the policy's own.
    random: () => 1,
    store: async (plan) => {
      stored.push(plan);
      return { stored: plan.accepted.length, duplicates: 0, expired: 0 };
    },
    deadLetter: async () => {},
    pause: async (ms) => void pauses.push(ms),
    on: {
      failed: (target, _err, attempt) => void events.push(`failed ${target} ${attempt}`),
      recovered: (target, attempts) => void events.push(`recovered ${target} ${attempts}`),
      chunkStored: (plan) => void events.push(`stored ${plan.accepted.length}`),
    },
    ...overrides,
  };
  return { deps, stored, pauses, events };
}

describe('consumeBatch', () => {
  it('stores chunk by chunk and commits each chunk only after it was stored', async () => {
    const { ctx, log } = fakeContext([valid(0), valid(1), valid(2)]);
    const { deps, stored } = fakeDeps();
    expect(await consumeBatch(ctx, deps)).toBe('succeeded');
    expect(stored.map((p) => p.accepted.map((a) => a.offset))).toEqual([['0', '1'], ['2']]);
    expect(log).toEqual(['resolve 1', 'commit', 'heartbeat', 'resolve 2', 'commit', 'heartbeat']);
  });

  it('waits the longest at once after a refusal repeating cannot cure; commits nothing until it succeeds', async () => {
    let failures = 2;
    const { ctx, log } = fakeContext([valid(0)]);
    const { deps, pauses } = fakeDeps({
      store: async (plan) => {
        if (failures-- > 0) throw new ServiceError('redis_refused', 'WRONGTYPE', { retryable: false });
        return { stored: plan.accepted.length, duplicates: 0, expired: 0 };
      },
    });
    expect(await consumeBatch(ctx, deps)).toBe('succeeded');
    expect(pauses).toEqual([400, 400]);
    expect(log).toEqual(['heartbeat', 'heartbeat', 'resolve 0', 'commit', 'heartbeat']);
  });

  it('retries a failing write with growing waits, a heartbeat between; commits nothing until it succeeds', async () => {
    let failures = 3;
    const { ctx, log } = fakeContext([valid(0)]);
    const { deps, pauses, events } = fakeDeps({
      store: async (plan) => {
        if (failures-- > 0) throw new Error('Redis away');
        return { stored: plan.accepted.length, duplicates: 0, expired: 0 };
      },
    });
    expect(await consumeBatch(ctx, deps)).toBe('succeeded');
    expect(pauses).toEqual([100, 200, 400]);
    expect(events).toEqual(['failed redis 1', 'failed redis 2', 'failed redis 3', 'recovered redis 4', 'stored 1']);
    expect(log).toEqual(['heartbeat', 'heartbeat', 'heartbeat', 'resolve 0', 'commit', 'heartbeat']);
  });

  it('gives the batch up, uncommitted, once it is no longer this member’s (rebalance or stop)', async () => {
    const { ctx, log, lose } = fakeContext([valid(0), valid(1)]);
    const { deps } = fakeDeps({
      store: async () => {
        lose();
        throw new Error('Redis frozen');
      },
    });
    expect(await consumeBatch(ctx, deps)).toBe('no-longer-ours');
    expect(log.filter((l) => l !== 'heartbeat')).toEqual([]);
  });

  it('sends refused records to the dead-letter topic before committing them, retrying that too', async () => {
    let dlqFailures = 1;
    const sent: string[] = [];
    const { ctx, log } = fakeContext([valid(0), 'not json']);
    const { deps, events } = fakeDeps({
      deadLetter: async (refused) => {
        if (dlqFailures-- > 0) throw new Error('broker away');
        sent.push(...refused.map((r) => r.rejection.code));
      },
    });
    expect(await consumeBatch(ctx, deps)).toBe('succeeded');
    expect(sent).toEqual(['not_json']);
    expect(events).toEqual(['failed dlq 1', 'recovered dlq 2', 'stored 1']);
    expect(log.slice(-3)).toEqual(['resolve 1', 'commit', 'heartbeat']);
  });
});
