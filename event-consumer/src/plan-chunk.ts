import { type EventRecord, parseEventRecord, type Rejection } from '@eventstreamapp/event-schema';
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

/** Sorts a run of Kafka records (of `partition`, when known) into events to store and records for the dead-letter topic. */
export function planChunk(messages: KafkaMessage[], maxEventBytes: number, partition?: number): ChunkPlan {
  const plan: ChunkPlan = { accepted: [], refused: [] };
  for (const message of messages) {
    const parsed = parseEventRecord(message.value, maxEventBytes);
    if (parsed.ok) {
      const accepted: Accepted = { offset: message.offset, record: parsed.value, bytes: message.value! };
      if (partition !== undefined) accepted.journey = `${partition}:${message.offset}:${message.timestamp}`;
      plan.accepted.push(accepted);
    } else plan.refused.push({ offset: message.offset, message, rejection: parsed.rejection });
  }
  return plan;
}
