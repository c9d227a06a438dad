import { normalizeEvent } from '@eventstreamapp/event-schema';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { planChunk } from './plan-chunk.js';

function message(offset: number, value: string | null): KafkaMessage {
  return {
    offset: String(offset),
    key: null,
    value: value === null ? null : Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

function json(userId: string, seq: number): string {
  const result = normalizeEvent({ user_id: userId, seq });
  if (!result.ok) throw new Error(result.rejection.message);
  return result.value.json;
}

const LIMITS = { maxEventBytes: 65_536, maxFutureMs: 300_000 };

describe('planChunk', () => {
  it('keeps every valid record in partition order, with its own bytes', () => {
    const values = [json('a', 1), json('b', 1), json('a', 2)];
    const plan = planChunk(
      values.map((v, i) => message(i, v)),
      LIMITS,
    );
    expect(plan.accepted.map((a) => a.record.json)).toEqual(values);
    expect(plan.accepted.map((a) => a.bytes.toString())).toEqual(values);
    expect(plan.refused).toEqual([]);
  });

  it('sets refused records aside with their reason and offset', () => {
    const plan = planChunk(
      [message(0, 'nope'), message(1, json('a', 1)), message(2, null), message(3, '{"user_id":"x"}')],
      LIMITS,
    );
    expect(plan.accepted.map((a) => a.offset)).toEqual(['1']);
    expect(plan.refused.map((r) => [r.offset, r.rejection.code])).toEqual([
      ['0', 'not_json'],
      ['2', 'empty'],
      ['3', 'invalid_field'],
    ]);
  });
  it('dead-letters an event past TIMESTAMP_MAX_FUTURE_MS after the record or clock; keeps one within', () => {
    const now = Date.UTC(2026, 11, 2);
    const at = (timestamp: number, offset: number, recordTime = now) => ({
      ...message(offset, JSON.stringify({ event_id: '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69', user_id: 'u', timestamp })),
      timestamp: String(recordTime),
    });
    const plan = planChunk(
      [
        at(now + 300_000, 0),
        at(now + 300_001, 1),
        at(253_402_300_799_000, 2),
        // A record sent an hour from now by its producer's clock (a clock ahead of ours) may carry that hour.
        at(now + 3_600_000 + 300_000, 3, now + 3_600_000),
      ],
      { ...LIMITS, now: () => now },
    );
    expect(plan.accepted.map((a) => a.offset)).toEqual(['0', '3']);
    expect(plan.refused.map((r) => [r.offset, r.rejection.code, r.rejection.path])).toEqual([
      ['1', 'future_timestamp', 'timestamp'],
      ['2', 'future_timestamp', 'timestamp'],
    ]);
    expect(plan.refused[1]!.rejection.message).toMatch(
      /^timestamp 9999-12-31T23:59:59.000Z is more than 300000 ms after 2026-12-02T00:00:00.000Z/,
    );
  });
  it('writes each accepted record’s journey, partition:offset:broker time, when it knows the partition', () => {
    const withPartition = planChunk([{ ...message(7, json('a', 1)), timestamp: '1700000000123' }], LIMITS, 2);
    expect(withPartition.accepted[0]!.journey).toBe('2:7:1700000000123');
    expect(planChunk([message(7, json('a', 1))], LIMITS, 0).accepted[0]!.journey).toBe('0:7:0');
    expect(planChunk([message(7, json('a', 1))], LIMITS).accepted[0]).not.toHaveProperty('journey');
  });
});
