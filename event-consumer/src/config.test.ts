import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { fetchSizing } from './group-member.js';

describe('event-consumer configuration', () => {
  it('takes its topic, dead-letter topic and group names from the event-schema package', () => {
    expect(loadConfig({})).toMatchObject({
      KAFKA_TOPIC: 'events',
      KAFKA_DLQ_TOPIC: 'events.dlq',
      KAFKA_GROUP_ID: 'event-consumer',
      PORT: 8083,
    });
  });

  it('keeps 7 days of events by default, like Kafka, and reads EVENT_RETENTION and USER_KEY_TTL as durations', () => {
    expect(loadConfig({})).toMatchObject({ EVENT_RETENTION: 7 * 86_400_000, USER_KEY_TTL: 0 });
    const durations: [string, number][] = [
      ['36h', 36 * 3_600_000],
      ['90m', 90 * 60_000],
      ['30s', 30_000],
      ['1500ms', 1_500],
      ['2500', 2_500],
      ['0', 0],
    ];
    for (const [text, ms] of durations) {
      expect(loadConfig({ EVENT_RETENTION: text }).EVENT_RETENTION, text).toBe(ms);
      expect(loadConfig({ USER_KEY_TTL: text }).USER_KEY_TTL, text).toBe(ms);
    }
    for (const bad of ['7 days', '-1d', '1w', '3651d', 'd']) {
      expect(() => loadConfig({ EVENT_RETENTION: bad }), bad).toThrow(
        /EVENT_RETENTION=.*must be a duration such as 7d, 36h, 90m, 30s or 0/,
      );
    }
  });

  it('refuses a session shorter than a failing write’s timeout plus backoff (the group would move partitions)', () => {
    expect(() =>
      loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '8000', REDIS_COMMAND_TIMEOUT_MS: '5000', RETRY_MAX_BACKOFF_MS: '5000' }),
    ).toThrow(
      /KAFKA_SESSION_TIMEOUT_MS="8000": must exceed REDIS_COMMAND_TIMEOUT_MS \+ RETRY_MAX_BACKOFF_MS \(10000\)/,
    );
    expect(
      loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '8000', REDIS_COMMAND_TIMEOUT_MS: '2000', RETRY_MAX_BACKOFF_MS: '2000' })
        .KAFKA_SESSION_TIMEOUT_MS,
    ).toBe(8000);
  });

  it('refuses a replica wait as long as the command timeout when replicas are required', () => {
    expect(() => loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '5000' })).toThrow(
      /REDIS_WAIT_TIMEOUT_MS/,
    );
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '1000' }).REDIS_WAIT_REPLICAS).toBe(1);
  });

  it('fetches adaptively by default (64 KiB or 10 ms while busy), with fixed sizes when asked, within bounds', () => {
    expect(loadConfig({})).toMatchObject({
      KAFKA_FETCH_MIN_BYTES: 65_536,
      KAFKA_FETCH_MAX_WAIT_MS: 1_000,
      KAFKA_FETCH_GATHER_MS: 10,
    });
    expect(
      loadConfig({ KAFKA_FETCH_MIN_BYTES: '1', KAFKA_FETCH_MAX_WAIT_MS: '10', KAFKA_FETCH_GATHER_MS: '0' }),
    ).toMatchObject({ KAFKA_FETCH_MIN_BYTES: 1, KAFKA_FETCH_MAX_WAIT_MS: 10, KAFKA_FETCH_GATHER_MS: 0 });
    expect(() => loadConfig({ KAFKA_FETCH_GATHER_MS: '-1' })).toThrow(/KAFKA_FETCH_GATHER_MS="-1"/);
    // As kafkajs takes them: idle fetches answered at the first record, gathering ones at the minimum or the gather.
    expect(fetchSizing(loadConfig({}))).toEqual({
      minBytes: 1,
      maxWaitTimeInMs: 1_000,
      fetchWhileBusy: { minBytes: 65_536, maxWaitTime: 10 },
    });
    expect(fetchSizing(loadConfig({ KAFKA_FETCH_GATHER_MS: '0' }))).toEqual({
      minBytes: 65_536,
      maxWaitTimeInMs: 1_000,
    });
    expect(() => loadConfig({ KAFKA_FETCH_MAX_WAIT_MS: '0' })).toThrow(/KAFKA_FETCH_MAX_WAIT_MS="0"/);
    expect(() => loadConfig({ KAFKA_FETCH_MIN_BYTES: '1gb' })).toThrow(/KAFKA_FETCH_MIN_BYTES="1gb"/);
    // The largest valid minimum is one partition's fetch size.
    expect(loadConfig({ KAFKA_FETCH_MIN_BYTES: '1048576' }).KAFKA_FETCH_MIN_BYTES).toBe(1_048_576);
    expect(() => loadConfig({ KAFKA_FETCH_MIN_BYTES: '1048577' })).toThrow(
      /KAFKA_FETCH_MIN_BYTES="1048577": must not exceed KAFKA_MAX_BYTES_PER_PARTITION/,
    );
  });

  it('reads Sentinels as a list', () => {
    expect(loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380' }).REDIS_SENTINELS).toEqual([
      '127.0.0.1:26379',
      '127.0.0.1:26380',
    ]);
    expect(() => loadConfig({ REDIS_SENTINELS: 'nope' })).toThrow(/REDIS_SENTINELS/);
  });

  it('reads a Redis Cluster’s nodes as a list, and refuses them beside Sentinels (two topologies)', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    expect(config.REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7000', '127.0.0.1:7001']);
    expect(config.REDIS_CLUSTER_BUCKETS).toBe(12);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '7000' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(
      /REDIS_CLUSTER_NODES.*not both/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_BUCKETS: '0' })).toThrow(/REDIS_CLUSTER_BUCKETS/);
  });
  it('holds each bound at its edge: the largest value taken, one past it refused, naming the variable', () => {
    const edges: [string, number][] = [
      ['DEDUP_WINDOW_MS', 30 * 24 * 3_600_000],
      ['MAX_EVENT_BYTES', 16 * 1024 * 1024],
      ['TIMESTAMP_MAX_FUTURE_MS', 365 * 24 * 3_600_000],
      ['KAFKA_MAX_BYTES_PER_PARTITION', 64 * 1024 * 1024],
    ];
    for (const [name, max] of edges) {
      expect(loadConfig({ [name]: String(max) })[name as keyof ReturnType<typeof loadConfig>], name).toBe(max);
      expect(() => loadConfig({ [name]: String(max + 1) }), name).toThrow(new RegExp(`${name}="${max + 1}"`));
    }
    expect(loadConfig({ KAFKA_GROUP_ID: 'g' }).KAFKA_GROUP_ID).toBe('g');
    expect(loadConfig({ KAFKA_GROUP_ID: '' }).KAFKA_GROUP_ID).toBe('event-consumer');
  });

  it('refuses a session equal to the command timeout plus backoff, not only a shorter one', () => {
    expect(() =>
      loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '7000', REDIS_COMMAND_TIMEOUT_MS: '5000', RETRY_MAX_BACKOFF_MS: '2000' }),
    ).toThrow(
      expect.objectContaining({
        message:
          'invalid configuration: KAFKA_SESSION_TIMEOUT_MS="7000": ' +
          'must exceed REDIS_COMMAND_TIMEOUT_MS + RETRY_MAX_BACKOFF_MS (7000)',
      }),
    );
  });

  it('refuses a replica wait equal to the command timeout, and allows any wait when no replica is required', () => {
    expect(() =>
      loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '2000', REDIS_COMMAND_TIMEOUT_MS: '2000' }),
    ).toThrow(
      expect.objectContaining({
        message:
          'invalid configuration: REDIS_WAIT_TIMEOUT_MS="2000": ' +
          'must be below REDIS_COMMAND_TIMEOUT_MS (2000), or the client gives up before WAIT answers',
      }),
    );
    expect(loadConfig({ REDIS_WAIT_REPLICAS: '0', REDIS_WAIT_TIMEOUT_MS: '5000' }).REDIS_WAIT_TIMEOUT_MS).toBe(5_000);
  });
});
