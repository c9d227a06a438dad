/**
 * Every Redis key and channel the pipeline writes, named here once (tests/static/store-formats.test.ts
 * fails on a copy elsewhere). The seed's two: `event:<user_id>` and `event_log`; the rest are this
 * project's. Each takes REDIS_KEY_PREFIX.
 */
export const EVENT_LOG_KEY = 'event_log';
export const EVENT_KEY_PREFIX = 'event:';
/** A capped Redis Stream of stored events, in the order they were stored: the viewer's live feed (stream-entry.ts). */
export const EVENT_STREAM_KEY = 'event_stream';
/** The dedup index: a small hash naming time buckets of ids (`<this>:<bucket>:<shard>`, id-buckets.ts). */
export const EVENT_IDS_KEY = 'event_ids';
/**
 * The generator's claims of client-chosen event_ids, in the same id buckets, each id's value its body's fingerprint.
 */
export const EVENT_CLAIMS_KEY = 'event_claims';
/**
 * Held (SET NX, with an expiry it renews) while a dead-letter replay runs: one at a time, from a viewer or make
 * dlq-replay.
 */
export const REPLAY_LOCK_KEY = 'dlq_replay_lock';
/** A Redis Stream of what operators did from the viewer (audit.ts), trimmed by age (AUDIT_RETENTION). */
export const AUDIT_LOG_KEY = 'audit_log';
/** Redis pub/sub channel on which the consumer announces each committed batch. */
export const STORED_CHANNEL = 'events:stored';

export function eventKey(userId: string): string {
  return `${EVENT_KEY_PREFIX}${userId}`;
}

export interface RedisKeys {
  eventKey(userId: string): string;
  eventLog: string;
  eventStream: string;
  eventIds: string;
  eventClaims: string;
  storedChannel: string;
  replayLock: string;
  auditLog: string;
}

/**
 * Every service takes an optional key prefix so that tests (and several deployments
 * sharing one Redis) never see each other's data. The empty prefix gives the seed's names.
 */
export function redisKeys(prefix = ''): RedisKeys {
  return {
    eventKey: (userId) => `${prefix}${eventKey(userId)}`,
    eventLog: `${prefix}${EVENT_LOG_KEY}`,
    eventStream: `${prefix}${EVENT_STREAM_KEY}`,
    eventIds: `${prefix}${EVENT_IDS_KEY}`,
    eventClaims: `${prefix}${EVENT_CLAIMS_KEY}`,
    storedChannel: `${prefix}${STORED_CHANNEL}`,
    replayLock: `${prefix}${REPLAY_LOCK_KEY}`,
    auditLog: `${prefix}${AUDIT_LOG_KEY}`,
  };
}
