import {
  Kafka,
  type LogEntry,
  logLevel,
  Partitioners,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import { createThrottle } from '../observability/throttle.js';

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
  /** Longest wait between two retries. */
  maxRetryTimeMs?: number;
  /** SASL on the client listener (kafkaSasl); none: plaintext without authentication, like the seed. */
  sasl?: SASLOptions | undefined;
}

/** The SASL options a service's configuration asks for (kafkaEnv), or none when KAFKA_SASL_PASSWORD is unset. */
export function kafkaSasl(config: {
  KAFKA_SASL_MECHANISM: 'scram-sha-512' | 'scram-sha-256' | 'plain';
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD?: string | undefined;
}): SASLOptions | undefined {
  if (config.KAFKA_SASL_PASSWORD === undefined) return undefined;
  const credentials = { username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD };
  switch (config.KAFKA_SASL_MECHANISM) {
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', ...credentials };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', ...credentials };
    case 'plain':
      return { mechanism: 'plain', ...credentials };
  }
}

/**
 * A kafkajs client whose own logs go through pino: its INFO chatter as debug, and each repeated
 * message (a connection refused on every retry) at most once per 5 s, without the stack trace.
 */
export function createKafka({
  brokers,
  clientId,
  logger,
  retries = 5,
  maxRetryTimeMs = 5_000,
  sasl,
}: KafkaOptions): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const throttle = createThrottle(5_000);
  return new Kafka({
    clientId,
    brokers,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries, initialRetryTime: 200, maxRetryTime: maxRetryTimeMs },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({
        level,
        namespace,
        log: { message, stack: _stack, timestamp: _timestamp, logger: _logger, ...extra },
      }: LogEntry) => {
        const pinoLevel = level === logLevel.INFO ? 'debug' : PINO_LEVEL[level];
        if (pinoLevel === 'silent' || !log.isLevelEnabled(pinoLevel)) return;
        const { pass, suppressed } =
          level <= logLevel.WARN ? throttle(`${namespace}:${message}`) : { pass: true, suppressed: 0 };
        if (pass)
          log[pinoLevel]({ event: 'kafkajs.log', namespace, ...extra, ...(suppressed ? { suppressed } : {}) }, message);
      },
  });
}

/**
 * A service's Kafka client from its configuration (kafkaEnv): brokers, client id (the service's name by default), SASL.
 */
export function serviceKafka(
  service: string,
  config: Parameters<typeof kafkaSasl>[0] & { KAFKA_BROKERS: string[]; KAFKA_CLIENT_ID?: string | undefined },
  logger: Logger,
  retry: Pick<KafkaOptions, 'retries' | 'maxRetryTimeMs'> = {},
): Kafka {
  return createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID ?? service,
    logger,
    ...retry,
    sasl: kafkaSasl(config),
  });
}

/**
 * The producer the services publish with: Java-compatible key partitioning (murmur2), and no retries
 * of its own. kafkajs 2.2.4 retries a send only to the brokers that failed; when a partition's leader
 * moved to a broker that had already answered, that partition's records are never sent, yet the send
 * resolves (kafkajs issue #1303) — acknowledged, and lost. So a failed send fails whole, and each
 * caller sends the whole batch again (every one of them stores by event_id, so a repeat is harmless).
 */
export function createProducer(kafka: Kafka, options: ProducerConfig = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    retry: { retries: 0 },
    ...options,
  });
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
