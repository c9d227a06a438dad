export const EVENTS_TOPIC = 'events';
export const DLQ_TOPIC = 'events.dlq';
export const EVENTS_TOPIC_PARTITIONS = 3;
export const CONSUMER_GROUP = 'event-consumer';

export const EVENT_LOG_KEY = 'event_log';
export const EVENT_KEY_PREFIX = 'event:';
/** A capped Redis Stream of stored events, in the order they were stored: the viewer's live feed. */
export const EVENT_STREAM_KEY = 'event_stream';
/** The dedup index: a small hash naming time buckets of ids (`<this>:<bucket>:<shard>`, event-consumer store-script.ts). */
export const EVENT_IDS_KEY = 'event_ids';
/** Redis pub/sub channel on which the consumer announces each committed batch. */
export const STORED_CHANNEL = 'events:stored';

/** Headers on every `events.dlq` record: why it was rejected and where it came from. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  message: 'dlq-message',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
} as const;

export function eventKey(userId: string): string {
  return `${EVENT_KEY_PREFIX}${userId}`;
}

export interface RedisKeys {
  eventKey(userId: string): string;
  eventLog: string;
  eventStream: string;
  eventIds: string;
  storedChannel: string;
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
    storedChannel: `${prefix}${STORED_CHANNEL}`,
  };
}
