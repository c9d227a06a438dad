import { type Event, eventSchema } from './event.js';
import { parseJsonBytes } from './json-bytes.js';
import { checkJsonShape, isPlainObject } from './json-shape.js';
import { DEFAULT_MAX_EVENT_BYTES } from './limits.js';
import type { EventRecord } from './normalize.js';
import { firstIssue } from './normalize.js';
import { type Result, reject } from './rejection.js';

const RESERVED = Object.entries(eventSchema.shape);

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
  // Field by field rather than eventSchema.safeParse(json): the same rules, without copying
  // every client field of every event in the consumer's hot path.
  for (const [field, schema] of RESERVED) {
    const result = schema.safeParse(json[field]);
    if (!result.success) return { ok: false, rejection: firstIssue(result.error, field) };
  }
  return { ok: true, value: { event: json as Event, json: text } };
}
