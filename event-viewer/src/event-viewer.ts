import { bucketKeys, type RedisKeys, redisKeys, streamKeysInCluster } from '@eventstreamapp/event-schema';
import {
  closeInStages,
  createAdminSession,
  createHttpServer,
  createThrottle,
  describeError,
  type Logger,
  listen,
  once,
  type Probe,
  READINESS_PROBE_INTERVAL_MS,
  type StartedServer,
  startProbe,
} from '@eventstreamapp/service-kit';
import { Cluster, type Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { createAuditLog } from './audit/audit-log.js';
import { createAuditRoutes } from './audit/routes.js';
import type { Config } from './config.js';
import { createDlqRoom } from './dlq/room.js';
import { createNewestPageCache } from './events/page-cache.js';
import { renderLivePage, renderLiveRow } from './events/render.js';
import { createEventRoutes, type RenderedPage } from './events/routes.js';
import { createClusterEventStore, createEventStore } from './events/store.js';
import { createAccess } from './http/access.js';
import { createApp } from './http/app.js';
import { loadLiveScript } from './http/assets.js';
import { createCsrf } from './http/csrf.js';
import { createLiveFeed } from './live/feed.js';
import { createLiveRoutes } from './live/routes.js';
import { createStreamReader } from './live/stream-reader.js';
import { createStreamStore } from './live/stream-store.js';
import { createMetrics, registerLiveCap, type ViewerMetrics } from './metrics.js';
import { matchesFilter } from './model/event-filter.js';
import { viewerDocument } from './openapi.js';
import { createStatusRoom } from './status/room.js';

export interface EventViewerDeps {
  config: Config;
  logger: Logger;
  /** Reads: fail at once while Redis is away or frozen (503), instead of piling up or hanging. */
  redis: Redis | Cluster;
  /** The live reader blocks in XREAD: a connection of its own, without a command timeout. */
  reader: Redis | Cluster;
  /** Reads the dead-letter topic for /dlq; without it /dlq answers 503 kafka_unavailable. */
  kafka?: Kafka;
}

const KEEPALIVE_MS = 15_000;

type Warn = (event: string, err: unknown, message: string) => void;

/**
 * The live feed over the stored-event stream: one reader of `event_stream` (its own connection) feeding every
 * live client, and forgetting the newest pages kept in memory whenever new events arrive.
 */
function liveParts(
  config: Config,
  stream: ReturnType<typeof createStreamStore>,
  reader: Redis | Cluster,
  streamKey: string,
  metrics: ViewerMetrics,
  warn: Warn,
) {
  const live = createLiveFeed({
    source: stream,
    renderEntry: renderLiveRow,
    matches: matchesFilter,
    maxClients: config.LIVE_MAX_CLIENTS,
    maxClientsPerAddress: config.LIVE_MAX_CLIENTS_PER_ADDRESS,
    maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
    onError: (err) => {
      metrics.redisErrors.inc({ kind: 'catch_up' });
      warn('live.catch_up_failed', err, 'a live client could not catch up; it will reconnect');
    },
    onDropped: () => metrics.liveDropped.inc(),
    onGap: (reason) => metrics.liveGaps.inc({ reason }),
  });
  const newestPages = createNewestPageCache<RenderedPage>(config.PAGE_CACHE_MS, Date.now, (hit) =>
    metrics.pageCache.inc({ result: hit ? 'hit' : 'miss' }),
  );
  const streamReader = createStreamReader({
    redis: reader,
    key: streamKey,
    gatherMs: config.LIVE_GATHER_MS,
    onStart: (head) => live.setHead(head),
    onEntries: (entries) => {
      newestPages.invalidate();
      live.publish(entries);
    },
    onError: (err) => {
      metrics.redisErrors.inc({ kind: 'live_read' });
      warn('live.read_failed', err, 'could not read the live stream; retrying');
    },
  });
  return { live, newestPages, streamReader };
}

/** The operator's rooms: the dead letters and their replays, the pipeline's status, and the audit they write to. */
function consoleRooms(
  config: Config,
  keys: RedisKeys,
  redis: Redis | Cluster,
  kafka: Kafka | undefined,
  metrics: ViewerMetrics,
  warn: Warn,
  logger: Logger,
) {
  // One Kafka admin session for the rooms that ask Kafka (dlq, status).
  const admin = kafka ? createAdminSession(kafka) : undefined;
  const audit = createAuditLog(redis, keys.auditLog, config.AUDIT_RETENTION);
  const dlq = createDlqRoom({
    config,
    keys,
    redis,
    ...(kafka && admin ? { kafka, admin } : {}),
    audit,
    csrf: createCsrf({
      ttlMs: config.CSRF_TOKEN_TTL,
      ...(config.VIEWER_PUBLIC_ORIGIN ? { publicOrigin: config.VIEWER_PUBLIC_ORIGIN } : {}),
    }),
    registry: metrics.registry,
    warn,
    log: (fields, message) => logger.info(fields, message),
  });
  const status = createStatusRoom({
    config,
    dedupIndexKeys:
      redis instanceof Cluster
        ? bucketKeys(keys, config.REDIS_CLUSTER_BUCKETS).map((b) => b.eventIds)
        : [keys.eventIds],
    redis,
    ...(admin ? { admin } : {}),
    ...(dlq.deadLetters ? { deadLetters: dlq.deadLetters } : {}),
    registry: metrics.registry,
    warn,
  });
  return { admin, audit, dlq, status };
}

/**
 * Where the pages and the live feed read: one Redis's `event_log` and `event_stream`, or in the cluster
 * topology the log's buckets and the one stream (cluster-buckets.ts).
 */
function eventReads(config: Config, redis: Redis | Cluster, keys: RedisKeys) {
  if (!(redis instanceof Cluster)) return { store: createEventStore(redis, keys), streamKey: keys.eventStream };
  return {
    store: createClusterEventStore(redis, keys, bucketKeys(keys, config.REDIS_CLUSTER_BUCKETS)),
    streamKey: streamKeysInCluster(keys).stream,
  };
}

/** A Redis connection's errors: counted, and logged a line every 5 s at most. */
function countErrorsOf(client: Redis | Cluster, metrics: ViewerMetrics, warn: Warn): void {
  client.on('error', (err: Error) => {
    metrics.redisErrors.inc({ kind: 'connection' });
    warn('redis.error', err, 'Redis connection error');
  });
}

/** What the exports count: events handed to sockets, refusals, and how each ended. */
function exportCounters(metrics: ViewerMetrics) {
  return {
    onWritten: (n: number) => metrics.exportedEvents.inc(n),
    onRefused: (limit: 'total' | 'client') => metrics.exportsRefused.inc({ limit }),
    onEnded: (outcome: string) => metrics.exportsEnded.inc({ outcome }),
  };
}

/** Who may read and who may replay: the tokens and the users file, as configured (none: open to readers). */
function accessOf(config: Config) {
  return createAccess({
    ...(config.VIEWER_TOKEN === undefined ? {} : { token: config.VIEWER_TOKEN }),
    ...(config.VIEWER_OPERATOR_TOKEN === undefined ? {} : { operatorToken: config.VIEWER_OPERATOR_TOKEN }),
    ...(config.VIEWER_USERS_FILE === undefined ? {} : { users: config.VIEWER_USERS_FILE }),
    maxFailuresPerMinute: config.AUTH_MAX_FAILURES_PER_MINUTE,
  });
}

/**
 * The viewer's composition root: its rooms behind one door (http/app.ts), each one router — the event
 * pages (events/), the live feed over the stored-event stream (live/), the pipeline's status (status/), the
 * dead letters and their replays (dlq/) and what operators did (audit/).
 */
export function createEventViewer({ config, logger, redis, reader, kafka }: EventViewerDeps) {
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const throttle = createThrottle(5_000);
  const warn = (event: string, err: unknown, message: string) => {
    const { pass, suppressed } = throttle(event);
    if (pass) logger.warn({ event, reason: describeError(err), suppressed }, message);
  };
  const metrics = createMetrics(() => live.clients);
  for (const client of [redis, reader]) countErrorsOf(client, metrics, warn);
  const { store, streamKey } = eventReads(config, redis, keys);
  const stream = createStreamStore(redis, { eventStream: streamKey });
  const { live, newestPages, streamReader } = liveParts(config, stream, reader, streamKey, metrics, warn);
  const { admin, audit, dlq, status } = consoleRooms(config, keys, redis, kafka, metrics, warn, logger);
  registerLiveCap(metrics.registry, config.LIVE_MAX_CLIENTS);
  // A frozen Redis keeps its connection 'ready': only a command shows that it no longer answers.
  let redisProbe: Probe | undefined;
  const app = createApp({
    logger,
    document: viewerDocument(config),
    rooms: [
      createEventRoutes({
        config,
        store,
        newestPages,
        exportEvents: exportCounters(metrics),
      }),
      createLiveRoutes({
        live,
        newest: stream.newest,
        renderPage: (filter, streamId) => renderLivePage(filter, streamId, config.DEFAULT_LIMIT),
      }),
      status.router,
      dlq.router,
      createAuditRoutes({ audit }),
    ],
    liveScript: loadLiveScript(),
    registry: metrics.registry,
    retryAfterSeconds: config.RETRY_AFTER_SECONDS,
    trustProxy: config.TRUST_PROXY ?? false,
    access: accessOf(config),
    readiness: () => [
      redis.status === 'ready' && redisProbe ? redisProbe.check : { name: 'redis', ok: false, detail: redis.status },
      { name: 'redis-live', ok: reader.status === 'ready', detail: reader.status },
    ],
  });
  const server = createHttpServer(app);
  let started: StartedServer | undefined;
  let keepalive: NodeJS.Timeout | undefined;

  return {
    get url() {
      return started?.url;
    },
    /** The HTTP app: its router lists every route (the access tests try each one). */
    app,
    async start(): Promise<void> {
      started = await listen(server, config.PORT, config.HOST);
      redis
        .connect()
        .catch((err: Error) => warn('redis.unreachable', err, 'Redis not reachable yet; answering 503 until it is'));
      reader
        .connect()
        .catch((err: Error) => warn('redis.unreachable', err, 'Redis not reachable yet; live rows start when it is'));
      streamReader.start();
      dlq.start();
      status.start();
      // Each probe waits at most REDIS_COMMAND_TIMEOUT_MS: a frozen Redis is seen within interval + that.
      redisProbe = startProbe('redis', () => redis.ping(), READINESS_PROBE_INTERVAL_MS);
      keepalive = setInterval(() => live.keepalive(), KEEPALIVE_MS);
      keepalive.unref();
      logger.info(
        { event: 'service.listening', url: started.url, keyPrefix: config.REDIS_KEY_PREFIX },
        'event-viewer listening',
      );
    },
    stop: once(async () => {
      clearInterval(keepalive);
      redisProbe?.stop();
      live.stop();
      await closeInStages([
        [
          ['http server', () => started?.close()],
          ['stream reader', () => streamReader.stop()],
          ['dead-letter room', () => dlq.stop()],
          ['status room', () => status.stop()],
        ],
        [['kafka admin', async () => admin?.stop()]],
        [['redis', () => redis.quit().catch(() => redis.disconnect())]],
      ]);
    }),
  };
}
