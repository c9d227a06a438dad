import { redisKeys } from '@eventstreamapp/event-schema';
import { createHttpServer, type Logger, listen, type StartedServer } from '@eventstreamapp/service-kit';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createEventStore } from './event-store.js';
import { createLiveFeed } from './live-feed.js';
import { createMetrics } from './metrics.js';

export interface EventViewerDeps {
  config: Config;
  logger: Logger;
}

function connect(url: string, name: string, failFast: boolean): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    // Reads fail at once while Redis is away (503), instead of piling up in a queue.
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    // A frozen Redis must give a 503, not a request that hangs.
    ...(failFast ? { commandTimeout: 2_000 } : {}),
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** GET /events as HTML or JSON, read from Redis only, with a live feed for the page. */
export function createEventViewer({ config, logger }: EventViewerDeps) {
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const redis = connect(config.REDIS_URL, 'event-viewer', true);
  const subscriber = connect(config.REDIS_URL, 'event-viewer-live', false);
  for (const client of [redis, subscriber]) client.on('error', (err: Error) => logger.debug({ err }, 'Redis connection error'));
  const store = createEventStore(redis, keys);
  const live = createLiveFeed({ subscriber, channel: keys.storedChannel, store, maxClients: config.LIVE_MAX_CLIENTS, logger });
  const metrics = createMetrics(() => live.clients);
  const app = createApp({
    config,
    logger,
    store,
    live,
    metrics,
    readiness: () => [
      { name: 'redis', ok: redis.status === 'ready', detail: redis.status },
      { name: 'redis-subscriber', ok: subscriber.status === 'ready', detail: subscriber.status },
    ],
  });
  const server = createHttpServer(app);
  let started: StartedServer | undefined;

  return {
    get url() {
      return started?.url;
    },
    async start(): Promise<void> {
      started = await listen(server, config.PORT, config.HOST);
      redis.connect().catch((err: Error) => logger.warn({ err }, 'Redis not reachable yet; answering 503 until it is'));
      subscriber.connect().catch((err: Error) => logger.warn({ err }, 'Redis not reachable yet; live updates start when it is'));
      // Queued by the subscriber connection until it is up; ioredis resubscribes after reconnects.
      live.start().catch((err: Error) => logger.error({ err }, 'could not subscribe to stored-event notices'));
      logger.info({ url: started.url, keyPrefix: config.REDIS_KEY_PREFIX }, 'event-viewer listening');
    },
    async stop(): Promise<void> {
      await live.stop();
      await started?.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
