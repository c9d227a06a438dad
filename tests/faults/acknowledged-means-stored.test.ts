import { EVENT_LOG_KEY, redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { type OwnKafka, startOwnKafka } from '../support/own-kafka.js';
import { type OwnRedis, startOwnRedis } from '../support/own-redis.js';
import { type PublishLoad, startPublishLoad } from '../support/publish-load.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { type ServiceName, type ServiceProcess, spawnService } from '../support/service-process.js';
import { expectAcknowledgedStoredOnce } from '../support/stored-once.js';
import { waitFor } from '../support/wait.js';

const RATE = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Promise 1 of the README's Guarantees: every event answered 202 ends in event_log exactly once. */
describe('acknowledged means stored, through faults, under load', () => {
  let processes: ServiceProcess[];
  let load: PublishLoad | undefined;

  beforeEach(() => {
    processes = [];
    load = undefined;
  });
  afterEach(async () => {
    await load?.stop();
    for (const p of processes) await p.stop('SIGKILL');
  });

  function spawn(name: ServiceName, env: Record<string, string>): ServiceProcess {
    const p = spawnService(name, { PORT: '0', HOST: '127.0.0.1', ...env });
    processes.push(p);
    return p;
  }

  async function startGenerator(env: Record<string, string>): Promise<string> {
    const generator = spawn('event-generator', env);
    const line = await generator.waitForLog((l) => l.msg === 'event-generator listening');
    const url = `${line.url as string}/publish`;
    for (let i = 0; i < 100 && !(await fetch(url.replace('/publish', '/readyz'))).ok; i++) await sleep(100);
    return url;
  }

  describe('on the shared broker', () => {
    let topics: TestTopics;
    let store: TestRedis;
    beforeEach(async () => {
      topics = await createTestTopics('fault-consumer');
      store = testRedis('fault-consumer');
    });
    afterEach(async () => {
      await topics.remove();
      await store.close();
    });

    it('when the consumer is killed with SIGKILL and restarted', async () => {
      const consumerEnv = {
        KAFKA_TOPIC: topics.events,
        KAFKA_DLQ_TOPIC: topics.dlq,
        KAFKA_GROUP_ID: topics.group,
        REDIS_KEY_PREFIX: store.prefix,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      };
      const first = spawn('event-consumer', consumerEnv);
      await first.waitForLog((l) => l.msg === 'joined the consumer group');
      load = startPublishLoad(await startGenerator({ KAFKA_TOPIC: topics.events }), RATE, 'kill');
      await sleep(3_000);
      await first.stop('SIGKILL');
      await sleep(1_000);
      spawn('event-consumer', consumerEnv);
      await sleep(4_000);
      const outcomes = await load.stop();
      expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
      expect(outcomes.length).toBeGreaterThan(RATE * 5);
      await expectAcknowledgedStoredOnce(store.redis, redisKeys(store.prefix).eventLog, load.acknowledged());
    });

    it('when its Redis (append-only) is down for 5 s', async () => {
      const own: OwnRedis = await startOwnRedis();
      const redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      try {
        const consumer = spawn('event-consumer', {
          KAFKA_TOPIC: topics.events,
          KAFKA_DLQ_TOPIC: topics.dlq,
          KAFKA_GROUP_ID: topics.group,
          REDIS_URL: own.url,
        });
        await consumer.waitForLog((l) => l.msg === 'joined the consumer group');
        load = startPublishLoad(await startGenerator({ KAFKA_TOPIC: topics.events }), RATE, 'redis');
        await sleep(2_000);
        await own.stop(true);
        await sleep(5_000);
        await own.start();
        await sleep(2_000);
        const outcomes = await load.stop();
        expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
        await expectAcknowledgedStoredOnce(redis, EVENT_LOG_KEY, load.acknowledged());
        expect(consumer.child.exitCode).toBeNull();
      } finally {
        redis.disconnect();
        await own.remove();
      }
    });
  });

  describe('on a broker the test owns', () => {
    let kafka: OwnKafka;
    let store: TestRedis;
    beforeEach(async () => {
      kafka = await startOwnKafka();
      store = testRedis('fault-kafka');
    });
    afterEach(async () => {
      await kafka.remove();
      await store.close();
    });

    it('when the Kafka broker stops and restarts: 503 fast meanwhile, the automatic generator retries, nothing acknowledged is lost', async () => {
      const env = { KAFKA_BROKERS: kafka.brokers, REDIS_KEY_PREFIX: store.prefix };
      const consumer = spawn('event-consumer', env);
      await consumer.waitForLog((l) => l.msg === 'joined the consumer group');
      const automatic = spawn('automatic-generator', { ...env, INTERVAL_MS: '200' });
      await automatic.waitForLog((l) => l.msg === 'event published');
      load = startPublishLoad(await startGenerator({ ...env, PUBLISH_TIMEOUT_MS: '2000' }), RATE, 'broker');
      await sleep(2_000);

      await kafka.stop();
      const outageStart = load.outcomes.length;
      await sleep(6_000);
      const duringOutage = load.outcomes.slice(outageStart);
      await kafka.start();
      await sleep(4_000);
      const outcomes = await load.stop();

      // During the outage: 503s, each answered within the publish timeout; no request hung.
      expect(duringOutage.filter((o) => o.status === 503).length).toBeGreaterThan(RATE * 3);
      expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
      expect(Math.max(...outcomes.filter((o) => o.status === 503).map((o) => o.ms))).toBeLessThan(3_000);
      expect(automatic.logs.some((l) => l.msg === 'publish failed; will retry')).toBe(true);
      expect(automatic.child.exitCode).toBeNull();
      // Afterwards: requests succeed again, and everything acknowledged is stored once.
      expect(outcomes.slice(-RATE).every((o) => o.status === 202)).toBe(true);
      const keys = redisKeys(store.prefix);
      await expectAcknowledgedStoredOnce(store.redis, keys.eventLog, load.acknowledged(), 120_000);
      // Everything the automatic generator published (it retried through the outage) is stored too.
      expect((await automatic.stop('SIGTERM')).code).toBe(0);
      const published = automatic.logs.filter((l) => l.msg === 'event published').length;
      const automaticStored = async () =>
        (await store.redis.zrange(keys.eventLog, 0, -1)).filter((m) => m.includes('"source":"automatic-generator"')).length;
      await waitFor(async () => (await automaticStored()) >= published, 30_000, `${published} automatic events stored`);
    });
  });
});
