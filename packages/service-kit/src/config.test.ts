import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  deprecationNotices,
  envDuration,
  envInt,
  formatDuration,
  httpEnv,
  kafkaEnv,
  parseDuration,
  parseEnv,
} from './config.js';

const schema = z.object({ ...httpEnv(8083), ...kafkaEnv, BATCH: envInt(1, 10).default(5) });

describe('parseEnv', () => {
  it('fills defaults (topic names from the event-schema package) and freezes the result', () => {
    const config = parseEnv(schema, {});
    expect(config).toMatchObject({ PORT: 8083, HOST: '0.0.0.0', KAFKA_TOPIC: 'events', BATCH: 5, KAFKA_BROKERS: ['127.0.0.1:9092'] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('names every bad variable and its value in one error', () => {
    expect(() => parseEnv(schema, { PORT: 'http', BATCH: '11', KAFKA_BROKERS: 'nope' })).toThrow(ConfigError);
    expect(() => parseEnv(schema, { PORT: 'http', BATCH: '11' })).toThrow(/PORT="http".*BATCH="11"|BATCH="11".*PORT="http"/);
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { BATCH: '' }).BATCH).toBe(5);
  });

  it('reads the deprecated OPS_PORT and OPS_HOST as PORT and HOST, saying so, unless the new names are set', () => {
    expect(parseEnv(schema, { OPS_PORT: '9000', OPS_HOST: '127.0.0.1' })).toMatchObject({ PORT: 9000, HOST: '127.0.0.1' });
    expect(deprecationNotices({ OPS_PORT: '9000' })).toEqual(['OPS_PORT is deprecated: it is read as PORT; rename it']);
    expect(parseEnv(schema, { OPS_PORT: '9000', PORT: '9001' }).PORT).toBe(9001);
    expect(deprecationNotices({ OPS_PORT: '9000', PORT: '9001' })).toEqual(['OPS_PORT is deprecated and ignored: PORT is set']);
    expect(deprecationNotices({ PORT: '9001' })).toEqual([]);
  });
});

describe('durations', () => {
  it('reads days, hours, minutes, seconds and plain milliseconds, and says each back in its largest whole unit', () => {
    expect(['7d', '36h', '90m', '30s', '250ms', '1500', '0'].map(parseDuration)).toEqual([
      604_800_000, 129_600_000, 5_400_000, 30_000, 250, 1_500, 0,
    ]);
    expect([604_800_000, 129_600_000, 5_400_000, 30_000, 250, 0].map(formatDuration)).toEqual(['7d', '36h', '90m', '30s', '250ms', '0ms']);
    expect(['', '7 days', '-1d', '1.5h', '7w'].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses a duration past its maximum, naming the variable', () => {
    const retention = z.object({ RETENTION: envDuration(86_400_000).prefault('1h') });
    expect(parseEnv(retention, {}).RETENTION).toBe(3_600_000);
    expect(parseEnv(retention, { RETENTION: '0' }).RETENTION).toBe(0);
    expect(() => parseEnv(retention, { RETENTION: '2d' })).toThrow(/RETENTION="2d": must be a duration .* at most 1d/);
    expect(() => parseEnv(retention, { RETENTION: 'soon' })).toThrow(/RETENTION="soon"/);
  });
});

describe('addresses', () => {
  it('refuses a HOST that cannot be bound and broker ports past 65535, naming the variable', () => {
    expect(() => parseEnv(schema, { HOST: '999.1.1.1' })).toThrow(/HOST="999.1.1.1": must be a host name or an IP address/);
    expect(() => parseEnv(schema, { HOST: 'two words' })).toThrow(/HOST=/);
    for (const host of ['127.0.0.1', '::', '::1', 'kafka', 'event-viewer.internal', '0.0.0.0'])
      expect(parseEnv(schema, { HOST: host }).HOST).toBe(host);
    expect(() => parseEnv(schema, { KAFKA_BROKERS: '127.0.0.1:99999' })).toThrow(/KAFKA_BROKERS=.*ports 1–65535/);
    expect(() => parseEnv(schema, { KAFKA_BROKERS: '300.0.0.1:9092' })).toThrow(/KAFKA_BROKERS=/);
    expect(parseEnv(schema, { KAFKA_BROKERS: 'kafka:9092, kafka-2:9092' }).KAFKA_BROKERS).toEqual(['kafka:9092', 'kafka-2:9092']);
  });
});
