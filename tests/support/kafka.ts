import { randomBytes } from 'node:crypto';
import { EVENTS_TOPIC_PARTITIONS } from '@eventstreamapp/event-schema';
import { type Admin, Kafka, type KafkaMessage, logLevel, type SASLOptions } from 'kafkajs';
import { inject } from 'vitest';
import { createTopicsWithLeaders } from './topics.js';

export function uniqueName(label: string): string {
  return `test-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

const saslByBrokers = new Map<string, SASLOptions>();

/** Brokers a test owns that take SASL only (CREDENTIALS=on): every helper here logs in to them with `sasl`. */
export function loginTo(brokers: string, sasl: SASLOptions): void {
  saslByBrokers.set(brokers, sasl);
}

/** A kafkajs client on this run's Kafka, or on `brokers` (a broker a test owns). */
export function testKafka(clientId = uniqueName('client'), brokers = inject('kafkaBrokers')): Kafka {
  const sasl = saslByBrokers.get(brokers);
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...(sasl ? { sasl } : {}) });
}

export interface TestTopics {
  events: string;
  dlq: string;
  group: string;
  /** Deletes the topics; the group is dropped with them. */
  remove(): Promise<void>;
}

/**
 * A fresh `events`/`events.dlq` pair and consumer group name, private to one test file, on this run's
 * Kafka or on `brokers` (replicated: `replicationFactor` 3 and `minInsyncReplicas` 2).
 */
export async function createTestTopics(
  label: string,
  partitions = EVENTS_TOPIC_PARTITIONS,
  options: { brokers?: string; replicationFactor?: number; minInsyncReplicas?: number } = {},
): Promise<TestTopics> {
  const { brokers, replicationFactor = 1, minInsyncReplicas } = options;
  const base = uniqueName(label);
  const names = { events: `${base}.events`, dlq: `${base}.events.dlq`, group: `${base}.group` };
  const configEntries =
    minInsyncReplicas === undefined ? [] : [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }];
  await withAdmin(
    (admin) =>
      createTopicsWithLeaders(admin, [
        { topic: names.events, numPartitions: partitions, replicationFactor, configEntries },
        { topic: names.dlq, numPartitions: 1, replicationFactor, configEntries },
      ]),
    brokers,
  );
  return {
    ...names,
    remove: async () => {
      await withAdmin((a) => a.deleteTopics({ topics: [names.events, names.dlq] }).catch(() => {}), brokers);
    },
  };
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>, brokers?: string): Promise<T> {
  const admin = testKafka(uniqueName('admin'), brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage extends KafkaMessage {
  partition: number;
}

/** Reads a topic from the beginning until `count` messages arrived (or the timeout passed). */
export async function readTopic(
  topic: string,
  count: number,
  timeoutMs = 30_000,
  brokers?: string,
): Promise<ReadMessage[]> {
  const consumer = testKafka(uniqueName('reader'), brokers).consumer({
    groupId: uniqueName('reader'),
    maxWaitTimeInMs: 200,
  });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          messages.push({ ...message, partition });
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Sum of the end offsets of a topic's partitions: how many records it holds. */
export async function countRecords(topic: string, brokers?: string): Promise<number> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic), brokers);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
