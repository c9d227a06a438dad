import { createKafka, createLogger } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEventConsumer } from '../src/event-consumer.js';
import { createRedis } from '../src/redis-client.js';

/** A real event-consumer in this process, on its own topic, group and key prefix. */
export async function startConsumer(env: Record<string, string>) {
  const config = loadConfig({
    KAFKA_BROKERS: inject('kafkaBrokers'),
    REDIS_URL: inject('redisUrl'),
    OPS_PORT: '0',
    OPS_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger('event-consumer', config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'test-consumer', logger });
  const consumer = createEventConsumer({ config, logger, kafka, redis: createRedis(config.REDIS_URL, 'test-consumer') });
  await consumer.start();
  return consumer;
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForLogSize(redis: Redis, key: string, size: number, timeoutMs = 60_000): Promise<void> {
  let last = 0;
  await waitFor(
    async () => {
      last = await redis.zcard(key);
      return last >= size;
    },
    timeoutMs,
    `${size} members in ${key} (have ${last})`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last count ${last}`);
  });
}

/** Asserts the log holds exactly the given events, each once, scored by its timestamp. */
export async function expectLogHolds(redis: Redis, key: string, jsons: string[]): Promise<{ missing: number; extra: number }> {
  const members = await redis.zrange(key, 0, -1, 'WITHSCORES');
  const stored = new Map<string, number>();
  for (let i = 0; i < members.length; i += 2) stored.set(members[i]!, Number(members[i + 1]));
  let missing = 0;
  for (const json of jsons) {
    const score = stored.get(json);
    if (score === undefined) missing++;
    else if (score !== (JSON.parse(json) as { timestamp: number }).timestamp) throw new Error(`wrong score for ${json}`);
  }
  return { missing, extra: stored.size - (jsons.length - missing) };
}
