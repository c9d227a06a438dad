/**
 * One entry of the live stream (`event_stream`): the events of one stored chunk, in order, each as the
 * fields `e` (its JSON), `t` (its timestamp, the `event_log` score, so a reader need not parse the JSON
 * for it) and, when known, `k` (its journey, journey.ts). A reader takes each `e` as the start of an
 * event and the `t` and `k` after it as its own. The consumer's store script writes the same fields from
 * Lua with these names (STREAM_FIELDS).
 */
export const STREAM_FIELDS = { event: 'e', timestamp: 't', journey: 'k' } as const;

export interface StreamEvent {
  json: string;
  /** Absent in an entry written before `t` was. */
  timestamp?: number;
  /** The `k` field as written: decodeJourney reads it. */
  journey?: string;
}

/** An entry's field list (XADD's field-value pairs) for the events of one chunk. */
export function encodeStreamEntry(events: StreamEvent[]): string[] {
  return events.flatMap(({ json, timestamp, journey }) => [
    STREAM_FIELDS.event,
    json,
    ...(timestamp === undefined ? [] : [STREAM_FIELDS.timestamp, String(timestamp)]),
    ...(journey === undefined ? [] : [STREAM_FIELDS.journey, journey]),
  ]);
}

/** The events of one entry's field list (an XRANGE/XREAD reply's), in order; fields of no event are skipped. */
export function decodeStreamEntry(fields: string[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [name, value] = [fields[i], fields[i + 1]!];
    const current = events.at(-1);
    if (name === STREAM_FIELDS.event) events.push({ json: value });
    else if (current && name === STREAM_FIELDS.timestamp) current.timestamp = Number(value);
    else if (current && name === STREAM_FIELDS.journey) current.journey = value;
  }
  return events;
}
