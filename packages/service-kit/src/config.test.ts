import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, deprecationNotices, envInt, httpEnv, kafkaEnv, parseEnv } from './config.js';

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
    try {
      parseEnv(schema, { PORT: 'http', BATCH: '11' });
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT="http"/);
      expect((err as Error).message).toMatch(/BATCH="11"/);
    }
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
