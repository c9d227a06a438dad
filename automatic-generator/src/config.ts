import { commonEnv, envInt, httpEnv, kafkaEnv, parseEnv, publishEnv } from '@eventstreamapp/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...publishEnv,
  ...httpEnv(8082),
  INTERVAL_MS: envInt(10, 3_600_000).default(2_000),
  EVENTS_PER_TICK: envInt(1, 100_000).default(1),
  USER_POOL_SIZE: envInt(1, 1_000_000).default(10),
  MAX_PENDING_EVENTS: envInt(1, 10_000_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: commonEnv.SHUTDOWN_TIMEOUT_MS.default(2_000),
});

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
