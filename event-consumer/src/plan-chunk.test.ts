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

describe('planChunk', () => {
  it('keeps every valid record in partition order, with its own bytes', () => {
    const values = [json('a', 1), json('b', 1), json('a', 2)];
    const plan = planChunk(
      values.map((v, i) => message(i, v)),
      65_536,
    );
    expect(plan.accepted.map((a) => a.record.json)).toEqual(values);
    expect(plan.accepted.map((a) => a.bytes.toString())).toEqual(values);
    expect(plan.refused).toEqual([]);
  });

  it('sets refused records aside with their reason and offset', () => {
    const plan = planChunk([message(0, 'nope'), message(1, json('a', 1)), message(2, null), message(3, '{"user_id":"x"}')], 65_536);
    expect(plan.accepted.map((a) => a.offset)).toEqual(['1']);
    expect(plan.refused.map((r) => [r.offset, r.rejection.code])).toEqual([
      ['0', 'not_json'],
      ['2', 'empty'],
      ['3', 'invalid_field'],
    ]);
  });
});
