import { commonEnv, envInt, envRedisUrl, httpEnv, parseEnv } from '@eventstreamapp/service-kit';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...httpEnv(5000),
  REDIS_URL: envRedisUrl.default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  DEFAULT_LIMIT: envInt(1, 1_000).default(50),
  MAX_LIMIT: envInt(1, 100_000).default(1_000),
  /** Most simultaneous live (server-sent events) connections; more get 503. */
  LIVE_MAX_CLIENTS: envInt(0, 100_000).default(500),
  /** Width of the events-per-second chart. */
  CHART_MINUTES: envInt(1, 60).default(5),
});

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
