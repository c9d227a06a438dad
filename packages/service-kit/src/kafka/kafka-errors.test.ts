import { describe, expect, it } from 'vitest';
import { isRecordTooLarge, isRetriable } from './kafka-errors.js';

describe('kafkajs errors, however deep kafkajs wraps them', () => {
  const tooLarge = { type: 'MESSAGE_TOO_LARGE', retriable: false };
  const leaderMoved = { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true };

  it('finds a size refusal in causes and in aggregated errors', () => {
    expect(isRecordTooLarge({ cause: { cause: tooLarge } })).toBe(true);
    expect(isRecordTooLarge({ errors: [leaderMoved, { cause: tooLarge }] })).toBe(true);
    expect(isRecordTooLarge({ cause: leaderMoved })).toBe(false);
  });

  it('tells a retriable failure from one that is not, and stops at five levels', () => {
    expect(isRetriable({ name: 'KafkaJSNumberOfRetriesExceeded', cause: leaderMoved })).toBe(true);
    expect(isRetriable({ cause: tooLarge })).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
    let deep: object = leaderMoved;
    for (let i = 0; i < 5; i++) deep = { cause: deep };
    expect(isRetriable(deep)).toBe(false);
  });
});
