import { type EventRecord, redisKeys } from '@eventstreamapp/event-schema';
import { createLogger, createRedisClient, serviceKafka } from '@eventstreamapp/service-kit';
import { inject } from 'vitest';
import { storeEvents } from '../../event-consumer/src/store-events.js';
import type { TestRedis } from '../../tests/support/redis.js';
import { waitFor } from '../../tests/support/wait.js';
import { loadConfig } from '../src/config.js';
import { createEventViewer } from '../src/event-viewer.js';

/**
 * A real event-viewer on a free port, reading the keys under `prefix`; with KAFKA_DLQ_TOPIC, following that
 * topic for /dlq.
 */
export async function startViewer(env: Record<string, string>, waitUntilReady = true) {
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger('event-viewer', config.LOG_LEVEL);
  const viewer = createEventViewer({
    config,
    logger,
    ...(env.KAFKA_DLQ_TOPIC
      ? { kafka: serviceKafka('test-viewer', { ...config, KAFKA_BROKERS: inject('kafkaBrokers').split(',') }, logger) }
      : {}),
    redis: createRedisClient(config, {
      connectionName: 'test-viewer',
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    }),
    reader: createRedisClient(config, { connectionName: 'test-viewer-live' }),
  });
  await viewer.start();
  if (waitUntilReady)
    await waitFor(async () => (await fetch(`${viewer.url}/readyz`)).status === 200, 10_000, 'viewer ready');
  return { viewer, url: viewer.url!, stop: () => viewer.stop() };
}

/**
 * Stores events with the consumer's own store script, as one chunk: log, user keys, and the live
 * stream in entries of up to STREAM_ENTRY_EVENTS events each, exactly what a running consumer writes;
 * with `journeys`, each event's `partition:offset:published`.
 */
export async function store(redis: TestRedis, events: EventRecord[], journeys?: string[]): Promise<void> {
  const accepted = events.map((record, i) => ({
    offset: String(i),
    record,
    bytes: Buffer.from(record.json),
    ...(journeys ? { journey: journeys[i]! } : {}),
  }));
  await storeEvents(redis.redis, redisKeys(redis.prefix), accepted, {
    dedupWindowMs: 3_600_000,
    maxLogLength: 0,
    maxStreamLength: 10_000,
    retentionMs: 0,
    userKeyTtlMs: 0,
    waitReplicas: 0,
    waitTimeoutMs: 1_000,
  });
}
