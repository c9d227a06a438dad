import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  commonEnv,
  deprecationNotices,
  envDuration,
  envInt,
  formatDuration,
  httpEnv,
  isHost,
  kafkaEnv,
  parseDuration,
  parseEnv,
  publishEnv,
  retryAfterEnv,
} from './config.js';

const schema = z.object({ ...httpEnv(8083), ...kafkaEnv, BATCH: envInt(1, 10).default(5) });

describe('parseEnv', () => {
  it('fills defaults (topic names from the event-schema package) and freezes the result', () => {
    const config = parseEnv(schema, {});
    expect(config).toMatchObject({
      PORT: 8083,
      HOST: '0.0.0.0',
      KAFKA_TOPIC: 'events',
      BATCH: 5,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('names every bad variable and its value in one error', () => {
    expect(() => parseEnv(schema, { PORT: 'http', BATCH: '11', KAFKA_BROKERS: 'nope' })).toThrow(ConfigError);
    expect(() => parseEnv(schema, { PORT: 'http', BATCH: '11' })).toThrow(
      /PORT="http".*BATCH="11"|BATCH="11".*PORT="http"/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { BATCH: '' }).BATCH).toBe(5);
  });

  it('reads the deprecated OPS_PORT and OPS_HOST as PORT and HOST, saying so, unless the new names are set', () => {
    expect(parseEnv(schema, { OPS_PORT: '9000', OPS_HOST: '127.0.0.1' })).toMatchObject({
      PORT: 9000,
      HOST: '127.0.0.1',
    });
    expect(deprecationNotices({ OPS_PORT: '9000' })).toEqual(['OPS_PORT is deprecated: it is read as PORT; rename it']);
    expect(parseEnv(schema, { OPS_PORT: '9000', PORT: '9001' }).PORT).toBe(9001);
    expect(deprecationNotices({ OPS_PORT: '9000', PORT: '9001' })).toEqual([
      'OPS_PORT is deprecated and ignored: PORT is set',
    ]);
    expect(deprecationNotices({ PORT: '9001' })).toEqual([]);
  });
});

describe('durations', () => {
  it('reads days, hours, minutes, seconds and plain milliseconds, and says each back in its largest whole unit', () => {
    expect(['7d', '36h', '90m', '30s', '250ms', '1500', '0'].map(parseDuration)).toEqual([
      604_800_000, 129_600_000, 5_400_000, 30_000, 250, 1_500, 0,
    ]);
    expect([604_800_000, 129_600_000, 5_400_000, 30_000, 250, 0].map(formatDuration)).toEqual([
      '7d',
      '36h',
      '90m',
      '30s',
      '250ms',
      '0ms',
    ]);
    expect(['', '7 days', '-1d', '1.5h', '7w'].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
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
    expect(() => parseEnv(schema, { HOST: '999.1.1.1' })).toThrow(
      /HOST="999.1.1.1": must be a host name or an IP address/,
    );
    expect(() => parseEnv(schema, { HOST: 'two words' })).toThrow(/HOST=/);
    for (const host of ['127.0.0.1', '::', '::1', 'kafka', 'event-viewer.internal', '0.0.0.0'])
      expect(parseEnv(schema, { HOST: host }).HOST).toBe(host);
    expect(() => parseEnv(schema, { KAFKA_BROKERS: '127.0.0.1:99999' })).toThrow(/KAFKA_BROKERS=.*ports 1–65535/);
    expect(() => parseEnv(schema, { KAFKA_BROKERS: '300.0.0.1:9092' })).toThrow(/KAFKA_BROKERS=/);
    expect(parseEnv(schema, { KAFKA_BROKERS: 'kafka:9092, kafka-2:9092' }).KAFKA_BROKERS).toEqual([
      'kafka:9092',
      'kafka-2:9092',
    ]);
  });
});

describe('the shared variables, at their edges', () => {
  const all = z.object({ ...commonEnv, ...kafkaEnv, ...publishEnv, ...retryAfterEnv });
  const parse = (env: Record<string, string>) => parseEnv(all, env);
  const refusal = (env: Record<string, string>) => {
    try {
      parse(env);
    } catch (err) {
      return err as Error;
    }
    throw new Error('accepted');
  };

  it('defaults: info logs, 5 s to stop, acks from all in-sync replicas, Kafka’s record limit, SCRAM-SHA-512', () => {
    expect(parse({})).toEqual({
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 5_000,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_TOPIC: 'events',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'eventstreamapp',
      PUBLISH_ACKS: -1,
      KAFKA_MAX_MESSAGE_BYTES: 1_048_588,
      RETRY_AFTER_SECONDS: 2,
    });
  });

  it('reads every log level, every acks form (all is -1) and every SASL mechanism, and nothing else', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      expect(parse({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
    expect(['-1', '1', '0', 'all'].map((acks) => parse({ PUBLISH_ACKS: acks }).PUBLISH_ACKS)).toEqual([-1, 1, 0, -1]);
    for (const mechanism of ['scram-sha-512', 'scram-sha-256', 'plain']) {
      expect(parse({ KAFKA_SASL_MECHANISM: mechanism }).KAFKA_SASL_MECHANISM).toBe(mechanism);
    }
    expect(refusal({ LOG_LEVEL: 'verbose' }).message).toMatch(/^invalid configuration: LOG_LEVEL="verbose": /);
    expect(refusal({ PUBLISH_ACKS: '2' }).message).toMatch(/PUBLISH_ACKS="2"/);
    expect(refusal({ KAFKA_SASL_MECHANISM: 'gssapi' }).message).toMatch(/KAFKA_SASL_MECHANISM="gssapi"/);
    expect(
      parse({ KAFKA_CLIENT_ID: 'c', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'longer-than-one' }),
    ).toMatchObject({
      KAFKA_CLIENT_ID: 'c',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'longer-than-one',
    });
  });

  it('bounds the record limit (1 KiB to 1 GiB) and Retry-After (1 s to an hour)', () => {
    expect(parse({ KAFKA_MAX_MESSAGE_BYTES: '1024' }).KAFKA_MAX_MESSAGE_BYTES).toBe(1024);
    expect(parse({ KAFKA_MAX_MESSAGE_BYTES: String(2 ** 30) }).KAFKA_MAX_MESSAGE_BYTES).toBe(2 ** 30);
    expect(refusal({ KAFKA_MAX_MESSAGE_BYTES: '1023' }).message).toMatch(/KAFKA_MAX_MESSAGE_BYTES="1023"/);
    expect(refusal({ KAFKA_MAX_MESSAGE_BYTES: String(2 ** 30 + 1) }).message).toMatch(/KAFKA_MAX_MESSAGE_BYTES=/);
    expect(parse({ RETRY_AFTER_SECONDS: '3600' }).RETRY_AFTER_SECONDS).toBe(3_600);
    expect(refusal({ RETRY_AFTER_SECONDS: '0' }).message).toMatch(/RETRY_AFTER_SECONDS="0"/);
  });

  it('reads a list of brokers with spaces and empty items, each host:port with a port of 1 to 65535', () => {
    expect(parse({ KAFKA_BROKERS: ' kafka:9092, ,10.0.0.2:1 ,k3:65535' }).KAFKA_BROKERS).toEqual([
      'kafka:9092',
      '10.0.0.2:1',
      'k3:65535',
    ]);
    for (const bad of [
      ',',
      'kafka',
      'kafka:0',
      'kafka:65536',
      'ka fka:9092',
      'kafka:9092x',
      'x:kafka:9092',
      'kafka:9092,nope',
      '999.1.1.1:9092',
    ]) {
      expect(refusal({ KAFKA_BROKERS: bad }).message, bad).toMatch(
        /KAFKA_BROKERS=.*must be host:port\[,host:port…\] with ports 1–65535/,
      );
    }
  });

  it('takes Kafka’s topic names and no other', () => {
    expect(parse({ KAFKA_TOPIC: 'a.B_c-9' }).KAFKA_TOPIC).toBe('a.B_c-9');
    expect(parse({ KAFKA_TOPIC: 't'.repeat(249) }).KAFKA_TOPIC).toHaveLength(249);
    for (const bad of ['t'.repeat(250), 'a b', 'a/b', ' x']) {
      expect(refusal({ KAFKA_TOPIC: bad }).message, bad).toMatch(/KAFKA_TOPIC=.*must be a valid Kafka topic name/);
    }
  });

  it('says the configuration is invalid in a ConfigError joining the problems; a cross rule by message', () => {
    const err = refusal({ LOG_LEVEL: 'x', RETRY_AFTER_SECONDS: '0' });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/^invalid configuration: LOG_LEVEL="x": .+; RETRY_AFTER_SECONDS="0": .+$/);
    const ruled = z.object({ A: envInt(0, 9).default(1) }).refine((c) => c.A > 1, 'A must exceed one');
    expect(() => parseEnv(ruled, {})).toThrow(/^invalid configuration: A must exceed one$/);
  });
});

describe('hosts', () => {
  it('takes names, IPv4 and IPv6 (bracketed or not) and nothing that cannot be bound', () => {
    for (const host of [
      'localhost',
      'kafka-1',
      'a.b.c.',
      'x_y',
      '127.0.0.1',
      '::1',
      '[::1]',
      'fe80::1',
      'h'.repeat(63),
    ]) {
      expect(isHost(host), host).toBe(true);
    }
    for (const host of [
      '',
      '999.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '::g',
      '[::1',
      '-a',
      'a..b',
      'h'.repeat(64),
      `${'a.'.repeat(127)}ab`,
      'a b',
      'x]',
    ]) {
      expect(isHost(host), host).toBe(false);
    }
  });
});
