export { type DeadLetterOrigin, deadLetterOrigin, withoutDeadLetterHeaders } from './dead-letter.js';
export { type Event, userIdSchema } from './event.js';
export { eventIdFromIdempotencyKey, parseIdempotencyKey } from './event-id.js';
export { parseJsonBytes } from './json-bytes.js';
export { DEFAULT_MAX_EVENT_BYTES, MAX_TIMESTAMP_MS, STREAM_ENTRY_BYTES, STREAM_ENTRY_EVENTS } from './limits.js';
export {
  CONSUMER_GROUP,
  DLQ_HEADERS,
  DLQ_TOPIC,
  EVENT_IDS_KEY,
  EVENT_KEY_PREFIX,
  EVENT_LOG_KEY,
  EVENT_STREAM_KEY,
  EVENTS_TOPIC,
  EVENTS_TOPIC_PARTITIONS,
  eventKey,
  type RedisKeys,
  redisKeys,
  STORED_CHANNEL,
} from './names.js';
export { type EventRecord, normalizeEvent } from './normalize.js';
export { parseEventRecord } from './parse-record.js';
export type { Rejection } from './rejection.js';
export { DEFAULT_TIMESTAMP_WINDOW, parseIsoTimestamp, type TimestampWindow } from './timestamp.js';
