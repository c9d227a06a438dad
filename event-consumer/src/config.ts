import { CONSUMER_GROUP, DEFAULT_MAX_EVENT_BYTES, DLQ_TOPIC } from '@eventstreamapp/event-schema';
import { commonEnv, envInt, envRedisUrl, envTopic, httpEnv, kafkaEnv, parseEnv } from '@eventstreamapp/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...httpEnv(8083),
  KAFKA_DLQ_TOPIC: envTopic.default(DLQ_TOPIC),
  KAFKA_GROUP_ID: z.string().min(1).default(CONSUMER_GROUP),
  REDIS_URL: envRedisUrl.default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  EVENT_LOG_MAX_LEN: envInt(0, 1_000_000_000).default(0),
  MAX_EVENT_BYTES: envInt(256, 16 * 1024 * 1024).default(DEFAULT_MAX_EVENT_BYTES),
  /** Events per Redis transaction: a large fetched batch is written in chunks of this size. */
  WRITE_CHUNK_EVENTS: envInt(1, 100_000).default(2_000),
  PARTITIONS_CONSUMED_CONCURRENTLY: envInt(1, 64).default(3),
  KAFKA_MAX_BYTES_PER_PARTITION: envInt(64 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  KAFKA_SESSION_TIMEOUT_MS: envInt(6_000, 300_000).default(30_000),
  RETRY_MAX_BACKOFF_MS: envInt(100, 60_000).default(5_000),
  REDIS_COMMAND_TIMEOUT_MS: envInt(100, 600_000).default(5_000),
});

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
