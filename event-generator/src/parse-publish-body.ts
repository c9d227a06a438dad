import {
  type EventRecord,
  eventIdFromIdempotencyKey,
  normalizeEvent,
  parseJsonBytes,
  type TimestampWindow,
} from '@eventstreamapp/event-schema';
import { httpError } from './errors.js';
import { fingerprintOf } from './id-claims.js';

export interface PublishBody {
  records: EventRecord[];
  /** The client sent an array: the answer is an array too, in the same order. */
  bulk: boolean;
  /** Events whose event_id the client chose (its own, or from the Idempotency-Key), with what it sent. */
  claims: { id: string; fingerprint: Buffer; index: number }[];
}

export interface PublishLimits {
  maxBodyBytes: number;
  maxEventBytes: number;
  maxBulkEvents: number;
  timestampWindow: TimestampWindow;
}

/**
 * Raw request bytes to normalized events. All or nothing: one invalid element of a bulk body
 * refuses the whole body, naming its index. With an Idempotency-Key, an event without its own
 * event_id gets one derived from the key and its position, so a retried request names the same events.
 */
export function parsePublishBody(body: Buffer, limits: PublishLimits, idempotencyKey?: string): PublishBody {
  const json = parseJsonBytes(body, limits.maxBodyBytes);
  if (!json.ok) {
    const { code, message } = json.rejection;
    if (code === 'too_large') throw httpError('payload_too_large', message);
    if (code === 'empty')
      throw httpError('malformed_json', 'the body is empty; send one event object or an array of them');
    throw httpError('malformed_json', message);
  }
  const value = json.value.value;
  const bulk = Array.isArray(value);
  const items = bulk ? (value as unknown[]) : [value];
  if (bulk && items.length === 0) throw httpError('invalid_event', 'the array is empty; send at least one event');
  if (items.length > limits.maxBulkEvents) {
    throw httpError(
      'too_many_events',
      `${items.length} events in one request; at most ${limits.maxBulkEvents} are accepted`,
    );
  }
  const records = items.map((item, index) => {
    const result = normalizeEvent(item, {
      maxBytes: limits.maxEventBytes,
      timestampWindow: limits.timestampWindow,
      ...(idempotencyKey === undefined ? {} : { newEventId: () => eventIdFromIdempotencyKey(idempotencyKey, index) }),
    });
    if (result.ok) return result.value;
    const { code, message, path } = result.rejection;
    const where = bulk ? `event ${index}: ` : '';
    const details = { reason: code, ...(path === undefined ? {} : { field: path }), ...(bulk ? { index } : {}) };
    throw httpError(code === 'too_large' ? 'payload_too_large' : 'invalid_event', `${where}${message}`, details);
  });
  const claims = records.flatMap((record, index) => {
    const item = items[index];
    const ownId = typeof item === 'object' && item !== null && 'event_id' in item;
    return ownId || idempotencyKey !== undefined
      ? [{ id: record.event.event_id, fingerprint: fingerprintOf(item, record.event), index }]
      : [];
  });
  return { records, bulk, claims };
}
