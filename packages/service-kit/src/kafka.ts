import { Kafka, type LogEntry, logLevel, Partitioners, type Producer, type ProducerConfig } from 'kafkajs';
import type { Logger } from 'pino';

const PINO_LEVEL = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'silent',
} as const;

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Retries of one request; the services put their own deadline above this. */
  retries?: number;
}

/** A kafkajs client whose own logs go through pino (kafkajs' INFO chatter as debug). */
export function createKafka({ brokers, clientId, logger, retries = 5 }: KafkaOptions): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries, initialRetryTime: 200, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, namespace, log: { message, ...extra } }: LogEntry) => {
        const pinoLevel = level === logLevel.INFO ? 'debug' : PINO_LEVEL[level];
        if (pinoLevel !== 'silent') log[pinoLevel]({ namespace, ...extra }, message);
      },
  });
}

/** The producer the services publish with: Java-compatible key partitioning (murmur2). */
export function createProducer(kafka: Kafka, options: ProducerConfig = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, ...options });
}

/** Tracks a producer's connection so /readyz can answer without a round trip. */
export function watchProducer(producer: Producer): { readonly connected: boolean } {
  const state = { connected: false };
  producer.on(producer.events.CONNECT, () => {
    state.connected = true;
  });
  producer.on(producer.events.DISCONNECT, () => {
    state.connected = false;
  });
  return state;
}
