import { decodeJourney, decodeStreamEntry } from '@eventstreamapp/event-schema';
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
 * An XRANGE/XREAD reply's events, oldest first, read through the store module's decoder (each `e` field
 * begins an event, and the `t` and `k` after it are its own). An event without `t` (written by an older
 * consumer) takes the timestamp from its JSON; NaN when it has none.
 */
export function fromStreamReply(entries: [string, string[]][]): StreamEntry[] {
  return entries.flatMap(([id, fields]) =>
    decodeStreamEntry(fields).map(({ json, timestamp, journey }) => {
      const event: StreamEntry = { id, json, timestamp: timestamp ?? Number.NaN };
      if (timestamp === undefined) {
        const fromJson = eventFields(event)?.timestamp;
        event.timestamp = typeof fromJson === 'number' ? fromJson : Number.NaN;
      }
      const parts = journey === undefined ? undefined : journeyOf(id, journey);
      if (parts) event.journey = parts;
      return event;
    }),
  );
}

/** The id of the newest entry of an XREVRANGE … COUNT 1 reply ('0-0' when the stream is empty). */
export function headOf(reply: unknown): string {
  return (reply as [string, string[]][])[0]?.[0] ?? '0-0';
}

/** The `k` field of a stream entry as a journey, its stored time the entry's; undefined when it is not one. */
function journeyOf(id: string, k: string): Journey | undefined {
  const parts = decodeJourney(k);
  return parts && { ...parts, storedAt: Number(id.slice(0, id.indexOf('-'))) };
}
