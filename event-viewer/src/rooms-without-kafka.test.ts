import { createLogger } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { createDlqRoom } from './dlq/room.js';
import { createApp } from './http/app.js';
import { createCsrf } from './http/csrf.js';
import { createMetrics } from './metrics.js';
import { viewerDocument } from './openapi.js';
import { createStatusRoom } from './status/room.js';

const config = {
  KAFKA_TOPIC: 'events',
  KAFKA_DLQ_TOPIC: 'events.dlq',
  KAFKA_GROUP_ID: 'event-consumer',
  DLQ_WINDOW: 10,
  DLQ_PREVIEW_BYTES: 1024,
  STATUS_SAMPLE_MS: 5_000,
  STATUS_HISTORY_MINUTES: 5,
  LAG_WINDOW: 60_000,
  MAX_EVENT_BYTES: 65_536,
  TIMESTAMP_MAX_FUTURE_MS: 300_000,
};

describe('the status and dead-letter rooms of a viewer started without Kafka', () => {
  const { registry } = createMetrics(() => 0);
  const redis = {} as Redis;
  const warn = () => undefined;
  const status = createStatusRoom({ config, dedupIndexKeys: ['event_ids'], redis, registry, warn });
  const dlq = createDlqRoom({
    config,
    keys: { eventLog: 'event_log', replayLock: 'dlq_replay_lock' },
    redis,
    audit: { append: async () => undefined },
    csrf: createCsrf({ ttlMs: 60_000 }),
    registry,
    warn,
    log: () => undefined,
  });
  const app = createApp({
    logger: createLogger('event-viewer', 'silent'),
    document: viewerDocument(loadConfig({})),
    rooms: [status.router, dlq.router],
    liveScript: '',
    registry,
    readiness: () => [],
  });

  it('keeps /status and /dlq routed: 503 kafka_unavailable in the format asked for, 406 for neither', async () => {
    for (const path of ['/status', '/dlq']) {
      const json = await request(app).get(path).set('accept', 'application/json');
      expect(json.status, path).toBe(503);
      expect(json.headers['retry-after'], path).toBe('2');
      expect(json.body.error, path).toMatchObject({
        code: 'kafka_unavailable',
        message: 'this viewer was started without Kafka',
      });
      const page = await request(app).get(path).set('accept', 'text/html');
      expect(page.status, path).toBe(503);
      expect(page.text, path).toContain('this viewer was started without Kafka');
      expect((await request(app).get(path).set('accept', 'image/png')).status, path).toBe(406);
    }
  });

  it('registers none of the gauges its sample would feed', async () => {
    expect(await registry.metrics()).not.toContain('kafka_group_lag_records');
  });
});
