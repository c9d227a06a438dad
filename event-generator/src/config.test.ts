import { largestEventFor } from '@eventstreamapp/service-kit';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('event-generator configuration', () => {
  it('keeps the largest event it accepts within what one Kafka record batch may hold', () => {
    const config = loadConfig({});
    expect(config.MAX_EVENT_BYTES).toBeLessThanOrEqual(largestEventFor(config.KAFKA_MAX_MESSAGE_BYTES));
    expect(() => loadConfig({ MAX_EVENT_BYTES: '2000000' })).toThrow(
      /MAX_EVENT_BYTES="2000000": must fit one Kafka record batch/,
    );
    expect(() => loadConfig({ KAFKA_MAX_MESSAGE_BYTES: '50000' })).toThrow(
      /at most \d+ with KAFKA_MAX_MESSAGE_BYTES=50000/,
    );
    expect(
      loadConfig({ MAX_EVENT_BYTES: '2000000', KAFKA_MAX_MESSAGE_BYTES: '4194304', MAX_BODY_BYTES: '4194304' })
        .MAX_EVENT_BYTES,
    ).toBe(2_000_000);
  });

  it('reads a Redis Cluster’s nodes, and refuses them beside Sentinels', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7000']);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(
      /REDIS_CLUSTER_NODES.*not both/,
    );
  });

  it('refuses an event limit above the body limit', () => {
    expect(() => loadConfig({ MAX_BODY_BYTES: '2048', MAX_EVENT_BYTES: '4096' })).toThrow(
      /must not exceed MAX_BODY_BYTES/,
    );
  });

  it('reads the timestamp window: an ISO date or epoch ms as its start, five minutes ahead by default', () => {
    expect(loadConfig({})).toMatchObject({ TIMESTAMP_MIN: Date.UTC(2000, 0, 1), TIMESTAMP_MAX_FUTURE_MS: 300_000 });
    expect(loadConfig({ TIMESTAMP_MIN: '2020-06-01' }).TIMESTAMP_MIN).toBe(Date.UTC(2020, 5, 1));
    expect(loadConfig({ TIMESTAMP_MIN: '1600000000000' }).TIMESTAMP_MIN).toBe(1_600_000_000_000);
    expect(() => loadConfig({ TIMESTAMP_MIN: 'last year' })).toThrow(/TIMESTAMP_MIN/);
  });
});
