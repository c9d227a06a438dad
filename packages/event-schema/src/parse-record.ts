import { type Event, eventSchema } from './event.js';
import { parseJsonBytes } from './json-bytes.js';
import { checkJsonShape, isPlainObject } from './json-shape.js';
import { DEFAULT_MAX_EVENT_BYTES } from './limits.js';
import type { EventRecord } from './normalize.js';
import { firstIssue } from './normalize.js';
import { type Result, reject } from './rejection.js';

/**
 * Turns a Kafka record's value into a typed event or an explained rejection. The returned
 * `json` is the record's own text, so storing it keeps the exact bytes that were published.
 */
export function parseEventRecord(value: Uint8Array | null | undefined, maxBytes = DEFAULT_MAX_EVENT_BYTES): Result<EventRecord> {
  const parsed = parseJsonBytes(value, maxBytes);
  if (!parsed.ok) return parsed;
  const { text, value: json } = parsed.value;
  if (!isPlainObject(json)) return reject('not_object', 'an event must be a JSON object');
  const shape = checkJsonShape(json);
  if (!shape.ok) return shape;
  const event = eventSchema.safeParse(json);
  if (!event.success) return { ok: false, rejection: firstIssue(event.error) };
  return { ok: true, value: { event: event.data as Event, json: text } };
}
