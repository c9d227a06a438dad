import { DEFAULT_MAX_EVENT_BYTES, DEFAULT_TIMESTAMP_WINDOW, EVENTS_TOPIC } from '@eventstreamapp/event-schema';
import { z } from 'zod';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/record-size.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Old names still read for one release, each with a line saying what replaces it. */
const DEPRECATED_VARIABLES: Readonly<Record<string, string>> = Object.freeze({ OPS_PORT: 'PORT', OPS_HOST: 'HOST' });

/** Lines naming each deprecated variable set in `env` and what to use instead. */
export function deprecationNotices(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(DEPRECATED_VARIABLES)
    .filter(([old]) => env[old] !== undefined && env[old] !== '')
    .map(([old, current]) =>
      env[current]
        ? `${old} is deprecated and ignored: ${current} is set`
        : `${old} is deprecated: it is read as ${current}; rename it`,
    );
}

function withAliases(env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') present[name] = value;
  for (const [old, current] of Object.entries(DEPRECATED_VARIABLES)) {
    if (present[old] !== undefined && present[current] === undefined) present[current] = present[old];
  }
  return present;
}

/**
 * Parses environment variables with one zod schema (defaults and rules between settings live
 * there) and names every bad variable in one message, so a service stops before it connects to
 * anything. The result is frozen: configuration is read once and never changes.
 */
export function parseEnv<S extends z.ZodType<object>>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.infer<S>> {
  const present = withAliases(env);
  const result = schema.safeParse(present);
  if (result.success) return Object.freeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return name ? `${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}` : issue.message;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envPort = envInt(0, 65535);

/**
 * A host name or an IP address. A name made only of digits and dots must be a real IPv4 address:
 * `999.1.1.1` would otherwise pass as a name and fail only when the server binds to it.
 */
export function isHost(text: string): boolean {
  if (/^[\d.]+$/.test(text)) return z.ipv4().safeParse(text).success;
  // An IPv6 address, bare or in brackets (both of them, as in a URL).
  if (text.includes(':')) return z.ipv6().safeParse(/^\[.*\]$/.test(text) ? text.slice(1, -1) : text).success;
  return /^(?=.{1,253}$)[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,62}))*\.?$/.test(text);
}

const envHost = z.string().refine(isHost, 'must be a host name or an IP address');

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `36h`, `90m`, `30s`, `250ms`, or whole milliseconds; `0` turns the bound off. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS_MS[(match[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS];
}

/** A duration in milliseconds, written as `parseDuration` reads it, within [0, max]. */
export const envDuration = (maxMs: number) =>
  z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const ms = parseDuration(String(raw));
    if (ms === undefined || ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as 7d, 36h, 90m, 30s or 0, at most ${formatDuration(maxMs)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** The largest whole unit that states `ms` exactly: 604800000 → "7d". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const envBrokers = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine(
    (list) =>
      list.length > 0 &&
      list.every((b) => {
        const match = /^([^\s:]+):(\d{1,5})$/.exec(b);
        return match !== null && isHost(match[1]!) && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
      }),
    'must be host:port[,host:port…] with ports 1–65535',
  );

const envLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const envTopic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a valid Kafka topic name');

/** The one HTTP port of every service: its public API, or only /healthz, /readyz and /metrics. */
export function httpEnv(defaultPort: number) {
  return { PORT: envPort.default(defaultPort), HOST: envHost.default('0.0.0.0') };
}

/** Services that publish to Kafka, through the one send path (BatchingPublisher). */
export const publishEnv = {
  PUBLISH_ACKS: z
    .enum(['-1', '1', '0', 'all'])
    .default('-1')
    .transform((v) => (v === 'all' ? -1 : Number(v))),
  /** The largest record batch the topic accepts: no producer request carries more. */
  KAFKA_MAX_MESSAGE_BYTES: envInt(1024, 1024 * 1024 * 1024).default(KAFKA_DEFAULT_MAX_MESSAGE_BYTES),
};

/**
 * What an event must keep to to be stored, read alike by the generator (which refuses at the door), the
 * consumer (which dead-letters) and the viewer (whose replay judges dead letters as the consumer would).
 */
export const recordLimitsEnv = {
  MAX_EVENT_BYTES: envInt(256, 16 * 1024 * 1024).default(DEFAULT_MAX_EVENT_BYTES),
  /** How far ahead of now an event's timestamp may be. */
  TIMESTAMP_MAX_FUTURE_MS: envInt(0, 365 * 24 * 3_600_000).default(DEFAULT_TIMESTAMP_WINDOW.maxFutureMs),
};

/** Services that answer clients 503: when to come back (Retry-After). */
export const retryAfterEnv = {
  RETRY_AFTER_SECONDS: envInt(1, 3_600).default(2),
};

/** Variables every service reads. */
export const commonEnv = {
  LOG_LEVEL: envLogLevel.default('info'),
  SHUTDOWN_TIMEOUT_MS: envInt(100, 60_000).default(5_000),
};

/** Variables of the services that talk to Kafka; SASL (README "Security") is on when KAFKA_SASL_PASSWORD is set. */
export const kafkaEnv = {
  KAFKA_BROKERS: envBrokers.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_TOPIC: envTopic.default(EVENTS_TOPIC),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).default('scram-sha-512'),
  KAFKA_SASL_USERNAME: z.string().min(1).default('eventstreamapp'),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
};
