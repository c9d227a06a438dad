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
  retryAfterEnv,
} from '@eventstreamapp/service-kit';
import express from 'express';
import { z } from 'zod';
import { readUsersFile } from './http/users-file.js';

/**
 * TRUST_PROXY as express reads it: unset (no proxy: the peer is the client), a number of proxy hops,
 * or addresses, subnets and names (`loopback`, `uniquelocal`) of proxies whose X-Forwarded-For is believed.
 */
const envTrustProxy = z.string().transform((raw, ctx) => {
  const value: string | number = /^\d{1,2}$/.test(raw) ? Number(raw) : raw;
  try {
    if (raw === 'true') throw new Error('trusting every hop lets any client choose its address');
    // express compiles the setting when it is set: a bad address fails here, before anything starts.
    express().set('trust proxy', value);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a hop count or proxy addresses/subnets: ${(err as Error).message}`,
    });
    return z.NEVER;
  }
  return value;
});

const schema = z
  .object({
    ...commonEnv,
    ...httpEnv(5000),
    ...redisEnv,
    ...kafkaEnv,
    ...retryAfterEnv,
    /** The consumer's dead-letter topic, shown by GET /dlq. */
    KAFKA_DLQ_TOPIC: envTopic.default(DLQ_TOPIC),
    /** Dead letters /dlq holds in memory, the newest of each partition; older ones stay in Kafka. */
    DLQ_WINDOW: envInt(1, 10_000).default(200),
    /** Bytes of each dead letter's value held and shown; the record in Kafka keeps them all. */
    DLQ_PREVIEW_BYTES: envInt(256, 1024 * 1024).default(4 * 1024),
    /** The consumer group whose lag /status shows and /metrics exports. */
    KAFKA_GROUP_ID: z.string().min(1).default(CONSUMER_GROUP),
    /** How often the viewer samples Kafka and Redis for /status and its pipeline gauges. */
    STATUS_SAMPLE_MS: envInt(500, 60_000).default(5_000),
    /** How far back /status charts, and the lag in seconds can look. */
    STATUS_HISTORY_MINUTES: envInt(1, 240).default(15),
    /** The window each partition's consumer is judged over (ok, warning, stall, stop, rewind: Burrow's rules). */
    LAG_WINDOW: envDuration(60 * 60_000).prefault('2m'),
    DEFAULT_LIMIT: envInt(1, 100_000).default(50),
    MAX_LIMIT: envInt(1, 100_000).default(1_000),
    /**
     * Most bytes one page holds — of event JSON for JSON, of HTML for HTML — whatever `limit` says: a
     * page of large events stops there and its rel="next" link continues.
     */
    MAX_PAGE_BYTES: envInt(64 * 1024, 256 * 1024 * 1024).default(4 * 1024 * 1024),
    /**
     * Page reads from Redis at once: with MAX_PAGE_BYTES, what bounds the bytes of replies the viewer
     * holds. Up to 32 times as many wait their turn; more get 503 too_many_reads.
     */
    PAGE_READS_IN_FLIGHT: envInt(1, 1_000).default(8),
    /** Most events of `event_log` one filtered page reads before it answers with what matched. */
    FILTER_SCAN_MAX: envInt(100, 1_000_000).default(10_000),
    /**
     * Most milliseconds one filtered page or search scans before it answers with what matched (and a link to go on).
     */
    FILTER_MAX_MS: envInt(10, 60_000).default(500),
    /** Most events one GET /export writes (newest first); its X-Export-Max-Events says so. */
    EXPORT_MAX_EVENTS: envInt(1, 10_000_000).default(100_000),
    /** Exports running at once, in all and per client (a signed-in user, or an address); more get 429. */
    EXPORTS_IN_FLIGHT: envInt(1, 1_000).default(4),
    EXPORTS_PER_CLIENT: envInt(1, 1_000).default(1),
    /** Most events of `event_log` one export reads, matching or not; then its last line says where the rest starts. */
    EXPORT_SCAN_MAX: envInt(1_000, 1_000_000_000).default(2_000_000),
    /**
     * Most milliseconds one export runs (a client's pauses included); then its last line says where the rest starts.
     */
    EXPORT_MAX_MS: envInt(1_000, 3_600_000).default(300_000),
    /** Longest wait for an export's client to take more; a client that takes nothing for longer is cut off. */
    EXPORT_STALL_MS: envInt(100, 600_000).default(30_000),
    /** Most simultaneous live (server-sent events) connections; more get 503. */
    LIVE_MAX_CLIENTS: envInt(0, 100_000).default(500),
    LIVE_MAX_CLIENTS_PER_ADDRESS: envInt(1, 100_000).default(20),
    /**
     * A bearer token for API clients (`Authorization: Bearer …`), a reader's; with VIEWER_USERS_FILE, either is
     * accepted.
     */
    VIEWER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** A bearer token with the operator role: it may replay dead letters and read /audit. */
    VIEWER_OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * The origin users' browsers see the viewer at behind a reverse proxy (`https://events.example.com`): a
     * request that changes anything must come from it. Unset: from the request's own host.
     */
    VIEWER_PUBLIC_ORIGIN: z
      .string()
      .refine(
        (v) => URL.canParse(v) && new URL(v).origin === v,
        'must be an origin: scheme://host[:port], no path or trailing /',
      )
      .optional(),
    /** How long a page's CSRF token is taken at least (at most twice as long): then the page asks for a reload. */
    CSRF_TOKEN_TTL: envDuration(7 * 86_400_000).prefault('1h'),
    /** How long the audit log (`audit_log`) keeps what operators did. */
    AUDIT_RETENTION: envDuration(3_650 * 86_400_000).prefault('90d'),
    /** The consumer's record limits: a replay from /dlq judges dead letters as the consumer would (set them alike). */
    ...recordLimitsEnv,
    /** Users and their scrypt-hashed passwords for HTTP Basic (make viewer-user writes the lines). */
    VIEWER_USERS_FILE: z
      .string()
      .transform((path, ctx) => {
        try {
          return readUsersFile(path);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    /** Failed sign-ins one address may make per minute; more are answered 429 before any check. */
    AUTH_MAX_FAILURES_PER_MINUTE: envInt(1, 10_000).default(10),
    /** Proxies whose X-Forwarded-For names the client, for the per-address live cap; unset trusts none. */
    TRUST_PROXY: envTrustProxy.optional(),
    /**
     * While events flow, the live stream is read at most once per this long, so each live client gets one
     * message per gather (idle, an event is read and sent at once); 0 reads after every stored chunk.
     */
    LIVE_GATHER_MS: envInt(0, 1_000).default(50),
    /** A live client holding more unsent bytes than this is dropped (it reconnects and resumes). */
    LIVE_MAX_BUFFERED_BYTES: envInt(16 * 1024, 256 * 1024 * 1024).default(1024 * 1024),
    /**
     * The newest unfiltered pages are answered from memory for at most this long, and forgotten as
     * soon as the live stream brings new events (0: always read Redis).
     */
    PAGE_CACHE_MS: envInt(0, 10_000).default(250),
    /** What the consumer keeps (its EVENT_RETENTION): the last page says that older events are not kept. */
    EVENT_RETENTION: envDuration(3_650 * 86_400_000).prefault('7d'),
    /** Width of the events-per-second chart. */
    CHART_MINUTES: envInt(1, 60).default(5),
  })
  .superRefine((config, ctx) => {
    const topology = redisAddressIssue(config);
    if (topology) ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: topology });
    // A default above the maximum would put a limit in every rel="next" link that the route refuses.
    if (config.LAG_WINDOW < 2 * config.STATUS_SAMPLE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['LAG_WINDOW'],
        message: `must hold at least 3 samples: 2 × STATUS_SAMPLE_MS (${config.STATUS_SAMPLE_MS} ms) or more`,
      });
    }
    if (config.VIEWER_OPERATOR_TOKEN !== undefined && config.VIEWER_OPERATOR_TOKEN === config.VIEWER_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['VIEWER_OPERATOR_TOKEN'],
        message: 'must differ from VIEWER_TOKEN (a reader’s)',
      });
    }
    if (config.DEFAULT_LIMIT > config.MAX_LIMIT) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEFAULT_LIMIT'],
        message: `must not exceed MAX_LIMIT (${config.MAX_LIMIT})`,
      });
    }
  });

export type Config = Readonly<z.infer<typeof schema>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(schema, env);
}
