/**
 * Where an event went on its way, from its live-stream entry: the Kafka record, and when it was published and stored.
 */
export interface Journey {
  partition: number;
  offset: string;
  /** The record's broker timestamp, epoch ms. */
  publishedAt: number;
  /** The stream entry's id time: when the consumer stored it. */
  storedAt: number;
}

/** One event as stored: its JSON exactly as written (never re-serialized) and its timestamp. */
export interface StoredEvent {
  json: string;
  /** The `event_log` score, or the stream entry's `t`: known without parsing the JSON. */
  timestamp: number;
  /** Known while the event is still in the live stream. */
  journey?: Journey;
}

export type EventFields = Readonly<Record<string, unknown>>;

// The filter and the renderer read the same parsed object: an event is parsed once per record, however
// many filtered live clients look at it. Keyed by the record, so it goes when the record does.
const parsed = new WeakMap<StoredEvent, EventFields | null>();

/** The event's fields, parsed at most once per record; undefined when its JSON is not an object. */
export function eventFields(event: StoredEvent): EventFields | undefined {
  let fields = parsed.get(event);
  if (fields === undefined) {
    try {
      const value: unknown = JSON.parse(event.json);
      fields = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as EventFields) : null;
    } catch {
      fields = null;
    }
    parsed.set(event, fields);
  }
  return fields ?? undefined;
}
