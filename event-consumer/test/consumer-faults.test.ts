import { redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../../tests/support/events.js';
import { createTestTopics, type TestTopics } from '../../tests/support/kafka.js';
import { type OwnKafka, startOwnKafka } from '../../tests/support/own-kafka.js';
import { type OwnRedis, startOwnRedis } from '../../tests/support/own-redis.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { type ServiceProcess, startServiceProcess } from '../../tests/support/service-process.js';
import { metricValue } from '../../tests/support/wait.js';
import { loadConfig as loadConsumerConfig } from '../src/config.js';
import { expectStoredExactly, waitFor, waitForLogSize } from './helpers.js';

/** Settings that let a restarted or frozen consumer show its behaviour within seconds. */
const QUICK = { KAFKA_SESSION_TIMEOUT_MS: '6000', REDIS_COMMAND_TIMEOUT_MS: '1000', RETRY_MAX_BACKOFF_MS: '2000' };

async function topicsForTest(): Promise<TestTopics> {
  const topics = await createTestTopics('consumer-faults');
  onTestFinished(() => topics.remove());
  return topics;
}

function consumer(topics: TestTopics, env: Record<string, string>): ServiceProcess {
  const p = startServiceProcess('event-consumer', {
    KAFKA_TOPIC: topics.events,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_GROUP_ID: topics.group,
    ...env,
  });
  onTestFinished(async () => void (await p.stop('SIGKILL')));
  return p;
}

function sharedRedis(): TestRedis {
  const store = testRedis('consumer-faults');
  onTestFinished(() => store.close());
  return store;
}

async function ownRedis(): Promise<{ own: OwnRedis; client: Redis }> {
  const own = await startOwnRedis();
  const client = new Redis(own.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  client.on('error', () => {});
  onTestFinished(async () => {
    client.disconnect();
    await own.remove();
  });
  return { own, client };
}

/** A consumer on its own topics and on a Redis this test may stop, freeze or fill. */
async function consumerOnOwnRedis() {
  const topics = await topicsForTest();
  const { own, client } = await ownRedis();
  const p = consumer(topics, { ...QUICK, REDIS_URL: own.url });
  return { topics, own, client, p, url: await p.url(), keys: redisKeys('') };
}

/**
 * The broker of this file's own that the tests stopping and starting Kafka share, each on topics and
 * a group of its own: a broker's start is a JVM and seconds of both cores. Made unstarted, so a test
 * can start a consumer before it.
 */
let fileBroker: OwnKafka | undefined;
const ownBroker = async (): Promise<OwnKafka> => {
  fileBroker ??= await startOwnKafka({ started: false });
  return fileBroker;
};
afterAll(async () => {
  await fileBroker?.remove();
});

/** A consumer on the file's own broker (which the test may stop), that has stored a first 20 events. */
async function consumerOnOwnKafka(env: Record<string, string> = {}) {
  const kafka = await ownBroker();
  await kafka.start();
  const topics = await createTestTopics('consumer-faults', undefined, { brokers: kafka.brokers });
  onTestFinished(() => topics.remove().catch(() => undefined));
  const store = sharedRedis();
  const keys = redisKeys(store.prefix);
  const p = consumer(topics, { KAFKA_BROKERS: kafka.brokers, REDIS_KEY_PREFIX: store.prefix, ...env });
  await p.waitForEvent('consumer.joined');
  const before = makeEvents(20, 2);
  await produce(topics.events, before, 500, kafka.brokers);
  await waitForLogSize(store.redis, keys.eventLog, before.length);
  return { kafka, topics, store, keys, p, before };
}

const readiness = async (url: string) =>
  (await (await fetch(`${url}/readyz`)).json()) as { checks: { name: string; ok: boolean; detail?: string }[] };

describe('event-consumer processes under faults', () => {
  it('loses nothing and stores nothing twice when killed with SIGKILL mid-stream and restarted', async () => {
    const topics = await topicsForTest();
    const store = sharedRedis();
    const events = makeEvents(4_000, 50);
    await produce(topics.events, events);
    const keys = redisKeys(store.prefix);
    // Small chunks make the kill land mid-stream; a short session lets the restart rejoin quickly.
    const env = {
      ...QUICK,
      REDIS_KEY_PREFIX: store.prefix,
      WRITE_CHUNK_EVENTS: '20',
      PARTITIONS_CONSUMED_CONCURRENTLY: '1',
    };
    const first = consumer(topics, env);
    await waitFor(async () => (await store.redis.zcard(keys.eventLog)) > 200, 30_000, 'some events stored');
    const { signal } = await first.stop('SIGKILL');
    expect(signal).toBe('SIGKILL');
    expect(await store.redis.zcard(keys.eventLog)).toBeLessThan(events.length);
    consumer(topics, env);
    await expectStoredExactly(store.redis, keys.eventLog, events);
  });

  it('splits the partitions between two processes, and the survivor takes over when one is killed', async () => {
    const topics = await topicsForTest();
    const store = sharedRedis();
    const keys = redisKeys(store.prefix);
    // The defaults: the takeover below is bounded by their session timeout.
    const env = { REDIS_KEY_PREFIX: store.prefix };
    const a = consumer(topics, env);
    await a.waitForEvent('consumer.joined');
    const b = consumer(topics, env);
    // Both members hold partitions once the second join's rebalance is done.
    const bJoin = await b.waitForEvent('consumer.joined');
    const aRejoin = await a.waitForLog(
      (l) => l.event === 'consumer.joined' && a.logs.filter((x) => x.event === 'consumer.joined').indexOf(l) > 0,
    );
    const partitionsOf = (line: typeof bJoin) => Object.values(line.assignment as Record<string, number[]>).flat();
    expect(partitionsOf(aRejoin).length + partitionsOf(bJoin).length).toBe(3);
    expect(partitionsOf(aRejoin).length).toBeGreaterThan(0);
    expect(partitionsOf(bJoin).length).toBeGreaterThan(0);

    const firstHalf = makeEvents(1_000, 30);
    await produce(topics.events, firstHalf);
    await waitForLogSize(store.redis, keys.eventLog, firstHalf.length);

    const joinsBefore = b.logs.filter((l) => l.event === 'consumer.joined').length;
    const killedAt = Date.now();
    await a.stop('SIGKILL');
    const secondHalf = makeEvents(1_000, 30, Date.now() + 10_000);
    await produce(topics.events, secondHalf);
    // Every partition is read again within the session timeout plus a heartbeat and a rejoin.
    const { KAFKA_SESSION_TIMEOUT_MS: session } = loadConsumerConfig({});
    const takeover = await b.waitForLog(
      (l) =>
        l.event === 'consumer.joined' && b.logs.filter((x) => x.event === 'consumer.joined').indexOf(l) >= joinsBefore,
      30_000,
    );
    expect(partitionsOf(takeover).sort()).toEqual([0, 1, 2]);
    expect(Date.parse(takeover.time as string) - killedAt).toBeLessThan(session + session / 3 + 2_000);
    await expectStoredExactly(store.redis, keys.eventLog, [...firstHalf, ...secondHalf], 60_000);
  });

  it('keeps every event when Redis freezes with its connections open past the session timeout', async () => {
    const { topics, own, client, p, url, keys } = await consumerOnOwnRedis();
    const before = makeEvents(300, 10);
    await produce(topics.events, before);
    await expectStoredExactly(client, keys.eventLog, before);

    own.freeze();
    const during = makeEvents(300, 10, Date.now() + 10_000);
    await produce(topics.events, during);
    // Writes time out instead of hanging: the consumer says it is not ready, keeps heartbeating and
    // keeps retrying — for longer than the 6 s session, which is the fault under test.
    const frozenAt = Date.now();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, 15_000, 'not ready while Redis is frozen');
    let retries = 0;
    await waitFor(
      async () => {
        retries = await metricValue(url, 'write_retries_total');
        return Date.now() - frozenAt > 7_000 && retries >= 5;
      },
      30_000,
      'retrying while frozen past the session timeout',
    );
    expect(p.child.exitCode).toBeNull();
    expect(p.logs.filter((l) => l.event === 'consumer.joined')).toHaveLength(1);
    own.thaw();

    await expectStoredExactly(client, keys.eventLog, [...before, ...during], 60_000);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, 'ready again');
  });

  it('keeps every event when Redis stops mid-stream and comes back, saying meanwhile it is unavailable', async () => {
    const { topics, own, client, p, url, keys } = await consumerOnOwnRedis();
    const before = makeEvents(500, 10);
    await produce(topics.events, before);
    await waitForLogSize(client, keys.eventLog, before.length);

    await own.stop();
    const during = makeEvents(500, 10, Date.now() + 10_000);
    await produce(topics.events, during);
    const failed = await p.waitForEvent('write.failed');
    expect(failed).toMatchObject({ target: 'redis', code: 'redis_unavailable' });
    const redisCheck = (await readiness(url)).checks.find((c) => c.name === 'redis');
    expect(redisCheck?.ok).toBe(false);
    await waitFor(async () => (await metricValue(url, 'write_retries_total')) >= 2, 20_000, 'retrying');
    expect(p.child.exitCode).toBeNull();

    await own.start();
    await expectStoredExactly(client, keys.eventLog, [...before, ...during], 60_000);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, 'ready again');
  });

  it('names an out-of-memory Redis in one line and in /readyz, reports the true lag, then catches up', async () => {
    const { topics, client, p, url, keys } = await consumerOnOwnRedis();
    const before = makeEvents(50, 5);
    await produce(topics.events, before);
    await expectStoredExactly(client, keys.eventLog, before);

    await client.config(
      'SET',
      'maxmemory',
      String(Number((await client.info('memory')).match(/used_memory:(\d+)/)![1]) - 1024),
    );
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    const during = makeEvents(400, 5, Date.now() + 10_000);
    await produce(topics.events, during);
    const failed = await p.waitForLog((l) => l.event === 'write.failed' && l.code === 'redis_full');
    expect(failed.reason).toMatch(/OOM/);
    expect(JSON.stringify(failed).length).toBeLessThan(1_000);
    await waitFor(
      async () =>
        (await readiness(url)).checks
          .find((c) => c.name === 'redis')
          ?.detail?.startsWith('redis_full: Redis is full') ?? false,
      10_000,
      '/readyz saying Redis is full',
    );
    await waitFor(
      async () => (await metricValue(url, 'consumer_lag')) === during.length,
      20_000,
      'the lag of the unstored records',
    );

    await client.config('SET', 'maxmemory', '0');
    await expectStoredExactly(client, keys.eventLog, [...before, ...during], 60_000);
    await waitFor(async () => (await metricValue(url, 'consumer_lag')) === 0, 20_000, 'no lag');
  });

  it('waits for Kafka when started before it, instead of exiting, and stores what is published once it is up', {
    timeout: 240_000,
  }, async () => {
    const kafka = await ownBroker();
    await kafka.stop();
    const store = sharedRedis();
    // Few retries: kafkajs gives up connecting within seconds instead of 25 s, and the consumer starts over.
    const p = startServiceProcess('event-consumer', {
      ...QUICK,
      KAFKA_RETRIES: '3',
      KAFKA_BROKERS: kafka.brokers,
      REDIS_KEY_PREFIX: store.prefix,
    });
    onTestFinished(async () => void (await p.stop('SIGKILL')));
    await p.waitForEvent('kafka.unreachable', 60_000);
    expect(p.child.exitCode).toBeNull();
    // Its ops endpoints answer meanwhile: /readyz within a second, saying why it is not ready, and
    // /metrics with the last lag it knew rather than waiting on the broker.
    const url = await p.url();
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { name: string; ok: boolean }[] }).checks).toContainEqual(
      expect.objectContaining({ name: 'kafka', ok: false }),
    );
    expect((await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    await kafka.start();
    await p.waitForEvent('consumer.joined', 60_000);
    const events = makeEvents(100, 5);
    await produce('events', events, 500, kafka.brokers);
    await expectStoredExactly(store.redis, redisKeys(store.prefix).eventLog, events);
  });

  it('replaces a group member that keeps crashing while Kafka is away, and stores everything once it is back', {
    timeout: 240_000,
  }, async () => {
    // Few retries: kafkajs crashes the member within seconds of the broker going away, not 25 s.
    const { kafka, topics, store, keys, p, before } = await consumerOnOwnKafka({ KAFKA_RETRIES: '3' });

    await kafka.stop();
    // Past its retries kafkajs crashes and restarts the member on the same client, again and again.
    await p.waitForEvent('consumer.renewed', 60_000);
    expect(p.child.exitCode).toBeNull();
    await kafka.start();
    const after = makeEvents(20, 2, Date.now() + 10_000);
    await produce(topics.events, after, 500, kafka.brokers);
    await expectStoredExactly(store.redis, keys.eventLog, [...before, ...after], 90_000);
  });

  it('renews its member, waiting longer each time, while no broker can place its group, and joins once one can', {
    timeout: 240_000,
  }, async () => {
    // The group's coordinator is a partition of __consumer_offsets, which one broker cannot create at a factor
    // of 2: every FindCoordinator is answered "not available", and kafkajs gives up on the group as not
    // retriable ("Failed to find group coordinator"), as it does when no broker answers at all.
    const kafka = await startOwnKafka({ properties: 'offsets.topic.replication.factor=2' });
    onTestFinished(() => kafka.remove());
    const topics = await createTestTopics('consumer-faults', undefined, { brokers: kafka.brokers });
    const store = sharedRedis();
    const p = consumer(topics, { KAFKA_RETRIES: '3', KAFKA_BROKERS: kafka.brokers, REDIS_KEY_PREFIX: store.prefix });
    await p.waitForLog((l) => l.event === 'consumer.crashed' && /group coordinator/.test(String(l.reason)), 60_000);
    const renewals = () => p.logs.filter((l) => l.event === 'consumer.renewed');
    await waitFor(async () => renewals().length >= 2 || p.child.exitCode !== null, 90_000, 'two renewals');
    expect(p.child.exitCode, p.tail()).toBeNull();
    // The first renewal at once, as after an outage; the next ones after a second or more (jitter 20 %).
    const waits = renewals().map((l) => Number(l.waitMs));
    expect(waits[0]).toBe(0);
    expect(waits.slice(1).every((ms) => ms >= 800)).toBe(true);
    expect((await fetch(`${await p.url()}/readyz`)).status).toBe(503);

    await kafka.stop();
    await kafka.start('');
    await p.waitForEvent('consumer.joined', 90_000);
    const events = makeEvents(20, 2);
    await produce(topics.events, events, 500, kafka.brokers);
    await expectStoredExactly(store.redis, redisKeys(store.prefix).eventLog, events);
    expect(p.logs.filter((l) => l.event === 'service.failed')).toEqual([]);
  });

  it('stores new events within 5 s of a restarted broker being ready again', { timeout: 240_000 }, async () => {
    const { kafka, topics, store, keys, before } = await consumerOnOwnKafka();

    await kafka.stop();
    await kafka.start();
    const after = makeEvents(20, 2, Date.now() + 10_000);
    const ready = Date.now();
    await produce(topics.events, after, 500, kafka.brokers);
    await waitForLogSize(store.redis, keys.eventLog, before.length + after.length, 30_000);
    expect(Date.now() - ready).toBeLessThan(5_000);
  });
});
