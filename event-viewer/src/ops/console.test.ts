import { createLogger } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../http/app.js';
import { createMetrics } from '../metrics.js';
import { createOpsConsole } from './console.js';

const config = {
  KAFKA_TOPIC: 'events',
  KAFKA_DLQ_TOPIC: 'events.dlq',
  KAFKA_GROUP_ID: 'event-consumer',
  DLQ_WINDOW: 10,
  DLQ_PREVIEW_BYTES: 1024,
  STATUS_SAMPLE_MS: 5_000,
  STATUS_HISTORY_MINUTES: 5,
  LAG_WINDOW: 60_000,
};

describe('the operations console started without Kafka', () => {
  const { registry } = createMetrics(() => 0);
  const ops = createOpsConsole({ config, keys: { eventIds: 'event_ids' }, redis: {} as Redis, registry, warn: () => undefined });
  const app = createApp({
    logger: createLogger('event-viewer', 'silent'),
    rooms: [ops.router],
    liveScript: '',
    registry,
    readiness: () => [],
  });

  it('keeps /status and /dlq routed, answering 503 kafka_unavailable in the format asked for, and 406 for neither', async () => {
    for (const path of ['/status', '/dlq']) {
      const json = await request(app).get(path).set('accept', 'application/json');
      expect(json.status, path).toBe(503);
      expect(json.headers['retry-after'], path).toBe('2');
      expect(json.body.error, path).toMatchObject({ code: 'kafka_unavailable', message: 'this viewer was started without Kafka' });
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
