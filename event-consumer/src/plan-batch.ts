import { type EventRecord, parseEventRecord, type Rejection } from '@eventstreamapp/event-schema';
import type { KafkaMessage } from 'kafkajs';

export interface Accepted {
  offset: string;
  record: EventRecord;
  /** The record's bytes as read from Kafka: what Redis stores, with no re-encoding. */
  bytes: Buffer;
}

export interface Refused {
  offset: string;
  message: KafkaMessage;
  rejection: Rejection;
}

export interface BatchPlan {
  accepted: Accepted[];
  refused: Refused[];
  /** One SET per user: only that user's last event in partition order. */
  latestByUser: Map<string, Buffer>;
}

/** Sorts a run of Kafka records into events to store and records for the dead-letter topic. */
export function planBatch(messages: KafkaMessage[], maxEventBytes: number): BatchPlan {
  const plan: BatchPlan = { accepted: [], refused: [], latestByUser: new Map() };
  for (const message of messages) {
    const parsed = parseEventRecord(message.value, maxEventBytes);
    if (parsed.ok) {
      const bytes = message.value!;
      plan.accepted.push({ offset: message.offset, record: parsed.value, bytes });
      plan.latestByUser.set(parsed.value.event.user_id, bytes);
    } else {
      plan.refused.push({ offset: message.offset, message, rejection: parsed.rejection });
    }
  }
  return plan;
}
