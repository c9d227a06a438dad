import { redisKeys } from '@eventstreamapp/event-schema';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../support/events.js';
import { countRecords, createTestTopics, readTopic, type TestTopics, withAdmin } from '../support/kafka.js';
import { startPublishLoad } from '../support/publish-load.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import {
  type ServiceName,
  type ServiceProcess,
  shutdownBudgetMs,
  startServiceProcess,
} from '../support/service-process.js';
import { expectAcknowledgedStoredOnce } from '../support/stored-once.js';
import { metricValue, waitFor } from '../support/wait.js';

async function fixtures(): Promise<{ topics: TestTopics; store: TestRedis }> {
  const topics = await createTestTopics('shutdown');
  const store = testRedis('shutdown');
  onTestFinished(async () => {
    await topics.remove();
    await store.close();
  });
  return { topics, store };
}

function service(
  name: ServiceName,
  { topics, store }: { topics: TestTopics; store: TestRedis },
  env: Record<string, string> = {},
) {
  const p: ServiceProcess = startServiceProcess(name, {
    KAFKA_TOPIC: topics.events,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_GROUP_ID: topics.group,
    REDIS_KEY_PREFIX: store.prefix,
    ...env,
  });
  onTestFinished(async () => {
    await p.stop('SIGKILL');
  });
  return p;
}

/** README's Guarantees, promise 5: SIGTERM under load exits 0 within SHUTDOWN_TIMEOUT_MS, losing nothing acked. */
describe('SIGTERM under load', () => {
  it('event-generator: exits 0 in time, and every event it acknowledged is in Kafka', async () => {
    const f = await fixtures();
    const generator = service('event-generator', f);
    const load = startPublishLoad(`${await generator.ready()}/publish`, 400, 'sigterm');
    await waitFor(async () => load.acknowledged().length > 400, 30_000, 'acknowledged events');
    const { code, ms } = await generator.stop('SIGTERM');
    await load.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('event-generator'));
    const acknowledged = load.acknowledged();
    const records = await readTopic(f.topics.events, acknowledged.length);
    const inKafka = new Set(records.map((r) => r.value?.toString()));
    expect(acknowledged.filter((json) => !inKafka.has(json))).toEqual([]);
  });

  it('event-generator: exits 0 in time while waiting to reconnect to a dead broker', async () => {
    const generator = service('event-generator', await fixtures(), { KAFKA_BROKERS: '127.0.0.1:1' });
    // The wait between connection attempts has grown past the shutdown deadline.
    await generator.waitForLog((l) => l.event === 'kafka.unreachable' && (l.retryInMs as number) >= 8_000, 30_000);
    const { code, ms } = await generator.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('event-generator'));
    // Its stop sequence ran to the end, rather than the process merely running out of work.
    expect(generator.logs.map((l) => l.event)).toContain('service.stopped');
  });

  it('event-consumer: exits 0 in time mid-stream, and a restart stores all exactly once', async () => {
    const f = await fixtures();
    const events = makeEvents(6_000, 40);
    await produce(f.topics.events, events);
    const first = service('event-consumer', f, { WRITE_CHUNK_EVENTS: '50' });
    const log = redisKeys(f.store.prefix).eventLog;
    await waitFor(async () => (await f.store.redis.zcard(log)) > 300, 30_000, 'consuming');
    const { code, ms } = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('event-consumer'));
    expect(await f.store.redis.zcard(log)).toBeLessThan(events.length);
    service('event-consumer', f);
    await expectAcknowledgedStoredOnce(
      f.store.redis,
      log,
      events.map((e) => e.json),
    );
  });

  it('event-consumer: commits once per KAFKA_COMMIT_INTERVAL_MS, the last chunk alone too, all on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const f = await fixtures();
    const committed = () =>
      withAdmin(async (admin) => {
        const [offsets] = await admin.fetchOffsets({ groupId: f.topics.group, topics: [f.topics.events] });
        return offsets!.partitions.reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
      });
    const log = redisKeys(f.store.prefix).eventLog;
    const zcard = () => f.store.redis.zcard(log);
    const stored = (count: number) => waitFor(async () => (await zcard()) === count, 30_000, `${count} stored`);

    // A short interval: the last chunk's offsets are committed within it, though nothing follows them.
    const quick = service('event-consumer', f, { KAFKA_COMMIT_INTERVAL_MS: '500' });
    await produce(f.topics.events, makeEvents(300, 10));
    await stored(300);
    await waitFor(async () => (await committed()) === 300, 10_000, 'the last chunk committed');
    expect((await quick.stop('SIGTERM')).code).toBe(0);

    // A long one: stored records stay uncommitted until the interval ends, or until SIGTERM commits them.
    const slow = service('event-consumer', f, { KAFKA_COMMIT_INTERVAL_MS: '60000' });
    await produce(f.topics.events, makeEvents(200, 10, Date.now() - 10_000));
    await stored(500);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await committed()).toBe(300);
    expect((await slow.stop('SIGTERM')).code).toBe(0);
    expect(await committed()).toBe(500);
  });

  it('event-viewer: exits 0 in time while serving requests and an open live connection', async () => {
    const viewer = service('event-viewer', await fixtures());
    const url = await viewer.ready();
    const live = await fetch(`${url}/live`);
    expect(live.headers.get('content-type')).toMatch(/text\/event-stream/);
    let stop = false;
    let served = 0;
    const readers = Array.from({ length: 8 }, async () => {
      while (!stop)
        await fetch(`${url}/events`, { headers: { accept: 'application/json' } }).then(
          async (r) => {
            await r.arrayBuffer();
            served++;
          },
          () => undefined,
        );
    });
    await waitFor(async () => served > 200, 30_000, 'requests being served');
    const { code, ms } = await viewer.stop('SIGTERM');
    stop = true;
    await Promise.all(readers);
    await live.body?.cancel().catch(() => undefined);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('event-viewer'));
  });

  it('automatic-generator: exits 0 in time at a high rate; every event it counted acked is in Kafka', async () => {
    const f = await fixtures();
    const automatic = service('automatic-generator', f, { INTERVAL_MS: '50', EVENTS_PER_TICK: '20' });
    const url = await automatic.ready();
    await waitFor(async () => (await metricValue(url, 'events_published_total')) > 200, 30_000, 'events published');
    const acknowledged = await metricValue(url, 'events_published_total');
    const { code, ms } = await automatic.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('automatic-generator'));
    const inKafka = await countRecords(f.topics.events);
    expect(inKafka).toBeGreaterThanOrEqual(acknowledged);
    const records = await readTopic(f.topics.events, inKafka);
    expect(records.every((r) => r.value?.toString().includes('"source":"automatic-generator"'))).toBe(true);
  });
});
