// The formats the pipeline stores — Redis keys, the live stream's entries, journeys, dead-letter headers,
// the id buckets — each with one owner here: writers and readers import these, nothing else spells them.

export { type AuditRecord, decodeAuditRecord, encodeAuditRecord } from './audit.js';
export {
  type BucketKeys,
  bucketKeys,
  bucketOf,
  bucketTag,
  CLUSTER_SLOTS,
  claimsKeyInCluster,
  keySlot,
  streamKeysInCluster,
} from './cluster-buckets.js';
export {
  type DeadLetterOrigin,
  DLQ_HEADERS,
  deadLetterHeaders,
  deadLetterOrigin,
  withoutDeadLetterHeaders,
} from './dead-letter.js';
export { eventIdBytes, ID_BUCKETS_LUA, idsTakenBetween, idsTakenByBucket } from './id-buckets.js';
export { decodeJourney, encodeJourney, type JourneyParts } from './journey.js';
export {
  AUDIT_LOG_KEY,
  EVENT_CLAIMS_KEY,
  EVENT_IDS_KEY,
  EVENT_KEY_PREFIX,
  EVENT_LOG_KEY,
  EVENT_STREAM_KEY,
  eventKey,
  REPLAY_LOCK_KEY,
  type RedisKeys,
  redisKeys,
  STORED_CHANNEL,
} from './keys.js';
export { decodeStreamEntry, encodeStreamEntry, STREAM_FIELDS, type StreamEvent } from './stream-entry.js';
