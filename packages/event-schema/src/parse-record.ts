import { type Event, eventSchema, RESERVED_FIELDS, reservedFieldAccepts } from './event.js';
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
export function parseEventRecord(
  value: Uint8Array | null | undefined,
  maxBytes = DEFAULT_MAX_EVENT_BYTES,
): Result<EventRecord> {
  const parsed = parseJsonBytes(value, maxBytes);
  if (!parsed.ok) return parsed;
  const { text, value: json } = parsed.value;
  if (!isPlainObject(json)) return reject('not_object', 'an event must be a JSON object');
  const shape = checkJsonShape(json);
  if (!shape.ok) return shape;
  // Field by field rather than eventSchema.safeParse(json), so that no client field of any event is copied in the
  // consumer's hot path; and each by its plain predicate first, the schema only saying why one is refused.
  for (const field of RESERVED_FIELDS) {
    if (reservedFieldAccepts[field](json[field])) continue;
    const result = eventSchema.shape[field].safeParse(json[field]);
    if (!result.success) return { ok: false, rejection: firstIssue(result.error, field) };
  }
  return { ok: true, value: { event: json as Event, json: text } };
}
