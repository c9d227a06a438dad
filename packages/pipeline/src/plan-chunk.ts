import { type EventRecord, encodeJourney, parseEventRecord, type Rejection } from '@eventstreamapp/event-schema';
import type { KafkaMessage } from 'kafkajs';

export interface Accepted {
  offset: string;
  record: EventRecord;
  /** The record's bytes as read from Kafka: what Redis stores, with no re-encoding. */
  bytes: Buffer;
  /** `partition:offset:broker timestamp`, written beside the event in the live stream (its journey on the page). */
  journey?: string;
}

export interface Refused {
  offset: string;
  message: KafkaMessage;
  rejection: Rejection;
}

export interface ChunkPlan {
  accepted: Accepted[];
  refused: Refused[];
}

/** What a record must keep to to be stored: the consumer's MAX_EVENT_BYTES and TIMESTAMP_MAX_FUTURE_MS. */
export interface RecordLimits {
  maxEventBytes: number;
  /**
   * How far an event's timestamp may lie ahead of the later of the record's own time (the producer's
   * clock when it sent it) and this consumer's clock: the generator's bound, applied to what reached the
   * topic by any other way — a record dated 9999 would head event_log and outlive any retention.
   */
  maxFutureMs: number;
  now?: () => number;
}

/** A rejection when the event's timestamp is beyond the future bound, else undefined. */
function futureRejection(eventTimestamp: number, message: KafkaMessage, limits: RecordLimits): Rejection | undefined {
  const reference = Math.max((limits.now ?? Date.now)(), Number(message.timestamp) || 0);
  if (eventTimestamp <= reference + limits.maxFutureMs) return undefined;
  return {
    code: 'future_timestamp',
    message: `timestamp ${new Date(eventTimestamp).toISOString()} is more than ${limits.maxFutureMs} ms after \
${new Date(reference).toISOString()} (TIMESTAMP_MAX_FUTURE_MS)`,
    path: 'timestamp',
  };
}

/**
 * Sorts a run of Kafka records (of `partition`, when known) into events to store and records for the dead-letter topic.
 */
export function planChunk(messages: KafkaMessage[], limits: RecordLimits, partition?: number): ChunkPlan {
  const plan: ChunkPlan = { accepted: [], refused: [] };
  for (const message of messages) {
    const parsed = parseEventRecord(message.value, limits.maxEventBytes);
    const future = parsed.ok ? futureRejection(parsed.value.event.timestamp, message, limits) : undefined;
    if (future) plan.refused.push({ offset: message.offset, message, rejection: future });
    else if (parsed.ok) {
      const accepted: Accepted = { offset: message.offset, record: parsed.value, bytes: message.value! };
      if (partition !== undefined)
        accepted.journey = encodeJourney({ partition, offset: message.offset, publishedAt: Number(message.timestamp) });
      plan.accepted.push(accepted);
    } else plan.refused.push({ offset: message.offset, message, rejection: parsed.rejection });
  }
  return plan;
}
