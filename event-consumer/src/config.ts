import { CONSUMER_GROUP, DLQ_TOPIC } from '@eventstreamapp/event-schema';
import {
  commonEnv,
  envDuration,
  envInt,
  envTopic,
  httpEnv,
  kafkaEnv,
  parseEnv,
  recordLimitsEnv,
  redisAddressIssue,
  redisEnv,
} from '@eventstreamapp/service-kit';
import { z } from 'zod';

const schema = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...httpEnv(8083),
    ...redisEnv,
    KAFKA_DLQ_TOPIC: envTopic.default(DLQ_TOPIC),
    KAFKA_GROUP_ID: z.string().min(1).default(CONSUMER_GROUP),
    EVENT_LOG_MAX_LEN: envInt(0, 1_000_000_000).default(0),
    /** `event_log` keeps events younger than this, by their timestamp (Kafka's default retention); 0 keeps all. */
    EVENT_RETENTION: envDuration(3_650 * 86_400_000).prefault('7d'),
    /** A user's key `event:<user_id>` expires this long after their last stored event; 0 never (the seed's). */
    USER_KEY_TTL: envDuration(3_650 * 86_400_000).prefault('0'),
    EVENT_STREAM_MAX_LEN: envInt(0, 10_000_000).default(10_000),
    DEDUP_WINDOW_MS: envInt(1_000, 30 * 24 * 3_600_000).default(24 * 3_600_000),
    ...recordLimitsEnv,
    /** Events per Redis transaction: a large fetched batch is written in chunks of this size. */
    WRITE_CHUNK_EVENTS: envInt(1, 100_000).default(2_000),
    PARTITIONS_CONSUMED_CONCURRENTLY: envInt(1, 64).default(3),
    KAFKA_MAX_BYTES_PER_PARTITION: envInt(64 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
    /**
     * Fetches adapt to the load: after a fetch that brought nothing, the next is answered at the first record
     * or after KAFKA_FETCH_MAX_WAIT_MS; while records flow, a fetch gathers — it is answered once
     * KAFKA_FETCH_MIN_BYTES wait or after KAFKA_FETCH_GATHER_MS. So an idle consumer is not woken by empty
     * fetches and a busy one fetches a few times per gather instead of as fast as it turns around (bench/README,
     * "Fetching in larger batches"). KAFKA_FETCH_GATHER_MS=0: every fetch waits for KAFKA_FETCH_MIN_BYTES or
     * KAFKA_FETCH_MAX_WAIT_MS, the fixed sizing of kafkajs as released.
     */
    KAFKA_FETCH_MIN_BYTES: envInt(1, 64 * 1024 * 1024).default(64 * 1024),
    KAFKA_FETCH_MAX_WAIT_MS: envInt(1, 10_000).default(1_000),
    KAFKA_FETCH_GATHER_MS: envInt(0, 10_000).default(10),
    /**
     * Stored offsets are committed at most this often (0: after every chunk). A crash re-reads at most this
     * long of records, which the dedup index stores once (offset-commits.ts).
     */
    KAFKA_COMMIT_INTERVAL_MS: envInt(0, 60_000).default(1_000),
    /**
     * How long a silent member keeps its partitions: a crashed consumer's partitions are read again
     * within about this plus a heartbeat (Kafka's smallest allowed session by default, 6 s).
     */
    KAFKA_SESSION_TIMEOUT_MS: envInt(6_000, 300_000).default(6_000),
    RETRY_MAX_BACKOFF_MS: envInt(100, 60_000).default(2_000),
    /** Times a Kafka request is retried (waits up to 2 s each; 15 is about 25 s, through a broker restart). */
    KAFKA_RETRIES: envInt(0, 100).default(15),
    REDIS_WAIT_REPLICAS: envInt(0, 16).default(0),
    REDIS_WAIT_TIMEOUT_MS: envInt(10, 60_000).default(1_000),
  })
  .superRefine((config, ctx) => {
    const topology = redisAddressIssue(config);
    if (topology) ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: topology });
    // A fetch never holds more than a partition's bytes: a larger minimum would make every fetch wait out
    // KAFKA_FETCH_MAX_WAIT_MS on a single partition.
    if (config.KAFKA_FETCH_MIN_BYTES > config.KAFKA_MAX_BYTES_PER_PARTITION) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_FETCH_MIN_BYTES'],
        message: `must not exceed KAFKA_MAX_BYTES_PER_PARTITION (${config.KAFKA_MAX_BYTES_PER_PARTITION})`,
      });
    }
    // Between two heartbeats a failing write spends up to its command timeout and one backoff:
    // longer than the session and the group would hand the partitions away while we still work on them.
    const gap = config.REDIS_COMMAND_TIMEOUT_MS + config.RETRY_MAX_BACKOFF_MS;
    if (gap >= config.KAFKA_SESSION_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SESSION_TIMEOUT_MS'],
        message: `must exceed REDIS_COMMAND_TIMEOUT_MS + RETRY_MAX_BACKOFF_MS (${gap})`,
      });
    }
    if (config.REDIS_WAIT_REPLICAS > 0 && config.REDIS_WAIT_TIMEOUT_MS >= config.REDIS_COMMAND_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_WAIT_TIMEOUT_MS'],
        message: `must be below REDIS_COMMAND_TIMEOUT_MS (${config.REDIS_COMMAND_TIMEOUT_MS}), or the client gives up \
before WAIT answers`,
      });
    }
  });

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
