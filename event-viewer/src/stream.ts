import { eventFields, type Journey, type StoredEvent } from './stored-event.js';

/**
 * One event of the live stream (`event_stream`). The consumer writes each stored chunk as few entries
 * as it can (STREAM_ENTRY_EVENTS, STREAM_ENTRY_BYTES): per event, in order, its JSON as `e`, its
 * timestamp as `t` (the `event_log` score), so the viewer renders it without reading the JSON for it,
 * and its journey as `k`: `partition:offset:broker timestamp` of the Kafka record. The events of one
 * entry share its `id`, the live feed's cursor: a client is sent an entry whole or not at all.
 */
export interface StreamEntry extends StoredEvent {
  id: string;
}

/**
 * An XRANGE/XREAD reply's events, oldest first: each `e` field begins an event, and the `t` and `k`
 * after it are its own. An event without `t` (written by an older consumer) takes the timestamp from
 * its JSON; NaN when it has none.
 */
export function fromStreamReply(entries: [string, string[]][]): StreamEntry[] {
  const events: StreamEntry[] = [];
  for (const [id, fields] of entries) {
    let event: StreamEntry | undefined;
    let t: string | undefined;
    const finish = () => {
      if (event !== undefined) events.push(withTimestamp(event, t));
    };
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i];
      const value = fields[i + 1]!;
      if (name === 'e') {
        finish();
        event = { id, json: value, timestamp: Number.NaN };
        t = undefined;
      } else if (event !== undefined && name === 't') t = value;
      else if (event !== undefined && name === 'k') {
        const journey = journeyOf(id, value);
        if (journey) event.journey = journey;
      }
    }
    finish();
  }
  return events;
}

function withTimestamp(event: StreamEntry, t: string | undefined): StreamEntry {
  if (t !== undefined) event.timestamp = Number(t);
  else {
    const timestamp = eventFields(event)?.timestamp;
    event.timestamp = typeof timestamp === 'number' ? timestamp : Number.NaN;
  }
  return event;
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
