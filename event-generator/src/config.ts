import { DEFAULT_TIMESTAMP_WINDOW, parseIsoTimestamp } from '@eventstreamapp/event-schema';
import {
  commonEnv,
  envInt,
  httpEnv,
  kafkaEnv,
  largestEventFor,
  parseEnv,
  publishEnv,
  recordLimitsEnv,
  redisAddressIssue,
  redisEnv,
  retryAfterEnv,
} from '@eventstreamapp/service-kit';
import { z } from 'zod';

const envTimestamp = z.string().transform((text, ctx) => {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const parsed = parseIsoTimestamp(text);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO-8601 date or date-time with a zone' });
  return z.NEVER;
});

const schema = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...httpEnv(8080),
    ...redisEnv,
    ...retryAfterEnv,
    ...publishEnv,
    /**
     * Client-chosen event_ids are claimed for this long: at least the consumer's DEDUP_WINDOW_MS (the same variable).
     */
    DEDUP_WINDOW_MS: envInt(1_000, 30 * 24 * 3_600_000).default(24 * 3_600_000),
    ...recordLimitsEnv,
    MAX_BODY_BYTES: envInt(1024, 256 * 1024 * 1024).default(1024 * 1024),
    MAX_BULK_EVENTS: envInt(1, 100_000).default(1_000),
    TIMESTAMP_MIN: envTimestamp.default(DEFAULT_TIMESTAMP_WINDOW.minMs),
    /**
     * While events come less than this apart, a produce request waits up to this long for PUBLISH_LINGER_EVENTS of
     * them; an event after a quiet spell of this long is sent at once. 0: never wait.
     */
    PUBLISH_LINGER_MS: envInt(0, 1_000).default(5),
    PUBLISH_LINGER_EVENTS: envInt(1, 100_000).default(16),
    PUBLISH_MAX_IN_FLIGHT: envInt(1, 64).default(2),
    PUBLISH_MAX_BATCH_EVENTS: envInt(1, 100_000).default(1_000),
    PUBLISH_TIMEOUT_MS: envInt(100, 120_000).default(5_000),
    PUBLISH_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Events per second one client address may publish (per generator instance); 0 = no limit. */
    PUBLISH_RATE_LIMIT: envInt(0, 10_000_000).default(0),
    /** Events one client may send at once before the rate applies; 0 = one second's worth. */
    PUBLISH_RATE_BURST: envInt(0, 10_000_000).default(0),
  })
  .superRefine((config, ctx) => {
    const topology = redisAddressIssue(config);
    if (topology) ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: topology });
    // An event the broker must refuse would be acknowledged by nobody: refuse the setting instead.
    const largest = largestEventFor(config.KAFKA_MAX_MESSAGE_BYTES);
    if (config.MAX_EVENT_BYTES > largest) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_EVENT_BYTES'],
        message: `must fit one Kafka record batch: at most ${largest} with \
KAFKA_MAX_MESSAGE_BYTES=${config.KAFKA_MAX_MESSAGE_BYTES}`,
      });
    }
    if (config.MAX_EVENT_BYTES > config.MAX_BODY_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_EVENT_BYTES'],
        message: `must not exceed MAX_BODY_BYTES (${config.MAX_BODY_BYTES})`,
      });
    }
  });

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
