export { type Event, eventSchema, RESERVED_FIELDS, timestampSchema, userIdSchema } from './event.js';
export { eventIdFromIdempotencyKey, parseIdempotencyKey } from './event-id.js';
export { decodeUtf8, parseJsonBytes, parseJsonText } from './json-bytes.js';
export { checkJsonShape, isPlainObject } from './json-shape.js';
export { DEFAULT_MAX_EVENT_BYTES, MAX_NESTING_DEPTH, MAX_TIMESTAMP_MS, USER_ID_MAX_LENGTH } from './limits.js';
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
export { type EventRecord, generateUserId, type NormalizeOptions, normalizeEvent } from './normalize.js';
export { parseEventRecord } from './parse-record.js';
export { REJECTION_CODES, type Rejection, type RejectionCode, type Result } from './rejection.js';
export { checkTimestampWindow, DEFAULT_TIMESTAMP_WINDOW, parseIsoTimestamp, type TimestampWindow } from './timestamp.js';
