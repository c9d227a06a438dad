import { DEFAULT_MAX_EVENT_BYTES } from '@eventstreamapp/event-schema';
import { commonEnv, envInt, httpEnv, kafkaEnv, parseEnv } from '@eventstreamapp/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...httpEnv(8080),
  MAX_EVENT_BYTES: envInt(256, 16 * 1024 * 1024).default(DEFAULT_MAX_EVENT_BYTES),
  MAX_BODY_BYTES: envInt(1024, 256 * 1024 * 1024).default(1024 * 1024),
  MAX_BULK_EVENTS: envInt(1, 100_000).default(1_000),
  PUBLISH_LINGER_MS: envInt(0, 1_000).default(1),
  PUBLISH_MAX_IN_FLIGHT: envInt(1, 64).default(2),
  PUBLISH_MAX_BATCH_EVENTS: envInt(1, 100_000).default(1_000),
  PUBLISH_TIMEOUT_MS: envInt(100, 120_000).default(5_000),
  PUBLISH_ACKS: z
    .enum(['-1', '1', '0', 'all'])
    .default('-1')
    .transform((v) => (v === 'all' ? -1 : Number(v))),
  PUBLISH_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  RETRY_AFTER_SECONDS: envInt(1, 3_600).default(2),
});

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
