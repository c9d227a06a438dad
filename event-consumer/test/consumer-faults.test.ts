import { redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvents, produce } from '../../tests/support/events.js';
import { createTestTopics, type TestTopics } from '../../tests/support/kafka.js';
import { type OwnRedis, startOwnRedis } from '../../tests/support/own-redis.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { type ServiceProcess, spawnService } from '../../tests/support/service-process.js';
import { expectStoredExactly, waitFor, waitForLogSize } from './helpers.js';

describe('event-consumer processes under faults', () => {
  let topics: TestTopics;
  let processes: ServiceProcess[];

  beforeEach(async () => {
    topics = await createTestTopics('consumer-faults');
    processes = [];
  });
  afterEach(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    await topics.remove();
  });

  function consumer(env: Record<string, string>): ServiceProcess {
    const p = spawnService('event-consumer', {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    });
    processes.push(p);
    return p;
  }

  describe('with the shared Redis', () => {
    let store: TestRedis;
    beforeEach(() => {
      store = testRedis('consumer-faults');
    });
    afterEach(async () => {
      await store.close();
    });

    it('loses nothing and stores nothing twice when killed with SIGKILL mid-stream and restarted', async () => {
      const events = makeEvents(4_000, 50);
      await produce(topics.events, events);
      const keys = redisKeys(store.prefix);
      // Small chunks make the kill land mid-stream; a short session lets the restart rejoin quickly.
      const env = {
        REDIS_KEY_PREFIX: store.prefix,
        WRITE_CHUNK_EVENTS: '20',
        PARTITIONS_CONSUMED_CONCURRENTLY: '1',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      };
      const first = consumer(env);
      await waitFor(async () => (await store.redis.zcard(keys.eventLog)) > 200, 30_000, 'some events stored');
      const { signal } = await first.stop('SIGKILL');
      expect(signal).toBe('SIGKILL');
      const storedAtKill = await store.redis.zcard(keys.eventLog);
      expect(storedAtKill).toBeLessThan(events.length);

      consumer(env);
      await expectStoredExactly(store.redis, keys.eventLog, events);
    });

    it('splits the partitions between two processes, and the survivor takes over when one is killed', async () => {
      const keys = redisKeys(store.prefix);
      const env = { REDIS_KEY_PREFIX: store.prefix, KAFKA_SESSION_TIMEOUT_MS: '6000' };
      const a = consumer(env);
      await a.waitForLog((l) => l.msg === 'joined the consumer group');
      const b = consumer(env);
      // Both members hold partitions once the second join's rebalance is done.
      const bJoin = await b.waitForLog((l) => l.msg === 'joined the consumer group');
      const aRejoin = await a.waitForLog(
        (l) => l.msg === 'joined the consumer group' && a.logs.filter((x) => x.msg === 'joined the consumer group').indexOf(l) > 0,
      );
      const partitionsOf = (line: typeof bJoin) => Object.values(line.assignment as Record<string, number[]>).flat();
      expect(partitionsOf(aRejoin).length + partitionsOf(bJoin).length).toBe(3);
      expect(partitionsOf(aRejoin).length).toBeGreaterThan(0);
      expect(partitionsOf(bJoin).length).toBeGreaterThan(0);

      const firstHalf = makeEvents(1_000, 30);
      await produce(topics.events, firstHalf);
      await waitForLogSize(store.redis, keys.eventLog, firstHalf.length);

      await a.stop('SIGKILL');
      const secondHalf = makeEvents(1_000, 30, Date.now() + 10_000);
      await produce(topics.events, secondHalf);
      await expectStoredExactly(store.redis, keys.eventLog, [...firstHalf, ...secondHalf], 60_000);
      const takeover = b.logs.filter((l) => l.msg === 'joined the consumer group').at(-1)!;
      expect(partitionsOf(takeover).sort()).toEqual([0, 1, 2]);
    });

    it('exits 0 within the shutdown timeout on SIGTERM while consuming', async () => {
      await produce(topics.events, makeEvents(2_000, 10));
      const p = consumer({ REDIS_KEY_PREFIX: store.prefix, WRITE_CHUNK_EVENTS: '10' });
      await waitFor(async () => (await store.redis.zcard(redisKeys(store.prefix).eventLog)) > 50, 30_000, 'consuming');
      const { code, ms } = await p.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000);
    });
  });

  describe('with a Redis the test owns', () => {
    let redis: OwnRedis;
    let client: Redis;
    beforeEach(async () => {
      redis = await startOwnRedis();
      client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      client.on('error', () => {});
    });
    afterEach(async () => {
      client.disconnect();
      await redis.remove();
    });

    it('keeps every event when Redis freezes with its connections open past the session timeout', async () => {
      const keys = redisKeys('');
      const p = consumer({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '1000', KAFKA_SESSION_TIMEOUT_MS: '6000' });
      const ops = (await p.waitForLog((l) => l.msg === 'event-consumer started')).ops as string;
      const before = makeEvents(300, 10);
      await produce(topics.events, before);
      await expectStoredExactly(client, keys.eventLog, before);

      redis.freeze();
      const during = makeEvents(300, 10, Date.now() + 10_000);
      await produce(topics.events, during);
      // Writes time out instead of hanging: the consumer says it is not ready and keeps heartbeating.
      await waitFor(async () => (await fetch(`${ops}/readyz`)).status === 503, 15_000, 'not ready while Redis is frozen');
      await new Promise((r) => setTimeout(r, 8_000));
      expect(p.child.exitCode).toBeNull();
      redis.thaw();

      await expectStoredExactly(client, keys.eventLog, [...before, ...during], 60_000);
      await waitFor(async () => (await fetch(`${ops}/readyz`)).status === 200, 15_000, 'ready again');
    });

    it('keeps every event when Redis stops mid-stream and comes back, with /readyz failing meanwhile', async () => {
      const keys = redisKeys('');
      const p = consumer({ REDIS_URL: redis.url });
      const started = await p.waitForLog((l) => l.msg === 'event-consumer started');
      const ops = started.ops as string;
      const before = makeEvents(500, 10);
      await produce(topics.events, before);
      await waitForLogSize(client, keys.eventLog, before.length);

      await redis.stop();
      const during = makeEvents(500, 10, Date.now() + 10_000);
      await produce(topics.events, during);
      await p.waitForLog((l) => l.msg === 'write failed; offsets not committed, retrying the same records');
      expect((await fetch(`${ops}/readyz`)).status).toBe(503);
      await new Promise((r) => setTimeout(r, 2_000));
      expect(p.child.exitCode).toBeNull();

      await redis.start();
      await expectStoredExactly(client, keys.eventLog, [...before, ...during], 60_000);
      await waitFor(async () => (await fetch(`${ops}/readyz`)).status === 200, 10_000, 'ready again');
    });
  });
});
