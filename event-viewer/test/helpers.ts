import { type EventRecord, redisKeys } from '@eventstreamapp/event-schema';
import { createLogger, createRedisClient, serviceKafka } from '@eventstreamapp/service-kit';
import { inject } from 'vitest';
import type { TestRedis } from '../../tests/support/redis.js';
import { waitFor } from '../../tests/support/wait.js';
import { loadConfig } from '../src/config.js';
import { createEventViewer } from '../src/event-viewer.js';

/** A real event-viewer on a free port, reading the keys under `prefix`; with KAFKA_DLQ_TOPIC, following that topic for /dlq. */
export async function startViewer(env: Record<string, string>, waitUntilReady = true) {
  const config = loadConfig({ REDIS_URL: inject('redisUrl'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const logger = createLogger('event-viewer', config.LOG_LEVEL);
  const viewer = createEventViewer({
    config,
    logger,
    ...(env.KAFKA_DLQ_TOPIC
      ? { kafka: serviceKafka('test-viewer', { ...config, KAFKA_BROKERS: inject('kafkaBrokers').split(',') }, logger) }
      : {}),
    redis: createRedisClient(config, { connectionName: 'test-viewer', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS }),
    reader: createRedisClient(config, { connectionName: 'test-viewer-live' }),
  });
  await viewer.start();
  if (waitUntilReady) await waitFor(async () => (await fetch(`${viewer.url}/readyz`)).status === 200, 10_000, 'viewer ready');
  return { viewer, url: viewer.url!, stop: () => viewer.stop() };
}

/** Writes events as the consumer does: log, user key and live stream. */
export async function store(redis: TestRedis, events: EventRecord[]): Promise<void> {
  const keys = redisKeys(redis.prefix);
  const tx = redis.redis.multi();
  for (const { event, json } of events) {
    tx.zadd(keys.eventLog, event.timestamp, json)
      .set(keys.eventKey(event.user_id), json)
      .xadd(keys.eventStream, '*', 'e', json, 't', String(event.timestamp));
  }
  await tx.exec();
}
