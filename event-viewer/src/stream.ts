import { eventFields, type Journey, type StoredEvent } from './stored-event.js';

/**
 * One entry of the live stream (`event_stream`): the consumer writes the event's JSON as `e`, its
 * timestamp as `t` (the `event_log` score), so the viewer renders it without reading the JSON for it,
 * and its journey as `k`: `partition:offset:broker timestamp` of the Kafka record.
 */
export interface StreamEntry extends StoredEvent {
  id: string;
}

/** An XRANGE/XREAD reply's entries. An entry without `t` (written by an older consumer) takes the timestamp from its JSON; NaN when it has none. */
export function fromStreamReply(entries: [string, string[]][]): StreamEntry[] {
  return entries.map(([id, fields]) => {
    let json = '';
    let t: string | undefined;
    let k: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === 'e') json = fields[i + 1]!;
      else if (fields[i] === 't') t = fields[i + 1];
      else if (fields[i] === 'k') k = fields[i + 1];
    }
    const entry: StreamEntry = { id, json, timestamp: Number(t) };
    const journey = k === undefined ? undefined : journeyOf(id, k);
    if (journey) entry.journey = journey;
    if (t === undefined) {
      const timestamp = eventFields(entry)?.timestamp;
      entry.timestamp = typeof timestamp === 'number' ? timestamp : Number.NaN;
    }
    return entry;
  });
}

/** The id of the newest entry of an XREVRANGE … COUNT 1 reply ('0-0' when the stream is empty). */
export function headOf(reply: unknown): string {
  return (reply as [string, string[]][])[0]?.[0] ?? '0-0';
}

/** The `k` field of a stream entry as a journey; undefined when it is not `partition:offset:timestamp`. */
export function journeyOf(id: string, k: string): Journey | undefined {
  const match = /^(\d+):(\d+):(\d+)$/.exec(k);
  if (!match) return undefined;
  return { partition: Number(match[1]), offset: match[2]!, publishedAt: Number(match[3]), storedAt: Number(id.slice(0, id.indexOf('-'))) };
}
