import { describe, expect, it } from 'vitest';
import { eventKey, redisKeys } from './keys.js';

describe('Redis key names', () => {
  it('are the seed names without a prefix', () => {
    expect(eventKey('u1')).toBe('event:u1');
    expect(redisKeys().eventKey('u1')).toBe('event:u1');
    expect(redisKeys().eventLog).toBe('event_log');
  });

  it('are all namespaced by a prefix', () => {
    const keys = redisKeys('t1:');
    expect([
      keys.eventKey('u1'),
      keys.eventLog,
      keys.eventStream,
      keys.eventIds,
      keys.eventClaims,
      keys.storedChannel,
      keys.replayLock,
      keys.auditLog,
    ]).toEqual([
      't1:event:u1',
      't1:event_log',
      't1:event_stream',
      't1:event_ids',
      't1:event_claims',
      't1:events:stored',
      't1:dlq_replay_lock',
      't1:audit_log',
    ]);
  });
});
