import { redisKeys } from '@eventstreamapp/event-schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvents, produce } from '../support/events.js';
import { countRecords, createTestTopics, readTopic, type TestTopics } from '../support/kafka.js';
import { startPublishLoad } from '../support/publish-load.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { type ServiceName, type ServiceProcess, spawnService } from '../support/service-process.js';
import { expectAcknowledgedStoredOnce } from '../support/stored-once.js';
import { waitFor } from '../support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Promise 5 of the README's Guarantees: SIGTERM under load exits 0 within 5 s and loses nothing acknowledged. */
describe('SIGTERM under load', () => {
  let topics: TestTopics;
  let store: TestRedis;
  let processes: ServiceProcess[];

  beforeEach(async () => {
    topics = await createTestTopics('shutdown');
    store = testRedis('shutdown');
    processes = [];
  });
  afterEach(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    await topics.remove();
    await store.close();
  });

  function spawn(name: ServiceName, env: Record<string, string> = {}): ServiceProcess {
    const p = spawnService(name, {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: store.prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    });
    processes.push(p);
    return p;
  }

  it('event-generator: exits 0 within 5 s, and every event it acknowledged is in Kafka', async () => {
    const generator = spawn('event-generator');
    const url = (await generator.waitForLog((l) => l.msg === 'event-generator listening')).url as string;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 20_000, 'ready');
    const load = startPublishLoad(`${url}/publish`, 400, 'sigterm');
    await sleep(2_000);
    const { code, ms } = await generator.stop('SIGTERM');
    await load.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    const acknowledged = load.acknowledged();
    expect(acknowledged.length).toBeGreaterThan(400);
    const records = await readTopic(topics.events, acknowledged.length);
    const inKafka = new Set(records.map((r) => r.value?.toString()));
    expect(acknowledged.filter((json) => !inKafka.has(json))).toEqual([]);
  });

  it('event-generator: exits 0 within 5 s while waiting to reconnect to a dead broker', async () => {
    const generator = spawn('event-generator', { KAFKA_BROKERS: '127.0.0.1:1' });
    // The wait between connection attempts has grown past the shutdown deadline.
    await generator.waitForLog((l) => l.msg === 'Kafka not reachable yet' && (l.retryInMs as number) >= 8_000, 30_000);
    const { code, ms } = await generator.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    // Its stop sequence ran to the end, rather than the process merely running out of work.
    expect(generator.logs.map((l) => l.msg)).toContain('stopped');
  });

  it('event-consumer: exits 0 within 5 s mid-stream, and a restart stores everything exactly once', async () => {
    const events = makeEvents(6_000, 40);
    await produce(topics.events, events);
    const first = spawn('event-consumer', { WRITE_CHUNK_EVENTS: '50' });
    const log = redisKeys(store.prefix).eventLog;
    await waitFor(async () => (await store.redis.zcard(log)) > 300, 30_000, 'consuming');
    const { code, ms } = await first.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(await store.redis.zcard(log)).toBeLessThan(events.length);
    spawn('event-consumer');
    await expectAcknowledgedStoredOnce(
      store.redis,
      log,
      events.map((e) => e.json),
    );
  });

  it('event-viewer: exits 0 within 5 s while serving requests and an open live connection', async () => {
    const viewer = spawn('event-viewer');
    const url = (await viewer.waitForLog((l) => l.msg === 'event-viewer listening')).url as string;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 20_000, 'ready');
    const live = await fetch(`${url}/live`);
    expect(live.headers.get('content-type')).toMatch(/text\/event-stream/);
    let stop = false;
    const readers = Array.from({ length: 8 }, async () => {
      while (!stop)
        await fetch(`${url}/events`, { headers: { accept: 'application/json' } }).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
    });
    await sleep(1_000);
    const { code, ms } = await viewer.stop('SIGTERM');
    stop = true;
    await Promise.all(readers);
    await live.body?.cancel().catch(() => undefined);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
  });

  it('automatic-generator: exits 0 within 5 s at a high rate, and everything it logged as published is in Kafka', async () => {
    const automatic = spawn('automatic-generator', { INTERVAL_MS: '50', EVENTS_PER_TICK: '20' });
    await automatic.waitForLog((l) => l.msg === 'event published');
    await sleep(1_500);
    const { code, ms } = await automatic.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    const published = automatic.logs.filter((l) => l.msg === 'event published').length;
    expect(published).toBeGreaterThan(100);
    expect(await countRecords(topics.events)).toBe(published);
  });
});
