import { redisKeys } from '@eventstreamapp/event-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvents, produce } from '../support/events.js';
import { createTestTopics, type TestTopics, withAdmin } from '../support/kafka.js';
import { type OwnKafka, startOwnKafka } from '../support/own-kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { type ServiceName, type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

/**
 * The three services that talk to Kafka, against a broker of this file's own that is killed, restarted
 * and frozen under them: /readyz must say so within seconds (a connection outlives the broker behind it),
 * and a consumer process must stay one member of its group whatever the broker does.
 */
describe('the services while their broker is killed, restarted and frozen', () => {
  let kafka: OwnKafka;
  let topics: TestTopics;
  let store: TestRedis;
  const services = new Map<ServiceName, ServiceProcess>();
  const urls = new Map<ServiceName, string>();

  beforeAll(async () => {
    kafka = await startOwnKafka();
    topics = await createTestTopics('broker-faults', undefined, { brokers: kafka.brokers });
    store = testRedis('broker-faults');
    const env = {
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: store.prefix,
    };
    for (const name of ['event-generator', 'automatic-generator', 'event-consumer'] as const) {
      const own = {
        'event-generator': {},
        'automatic-generator': { INTERVAL_MS: '500' },
        // Few retries: the member crashes, is restarted and replaced several times within one outage.
        'event-consumer': { KAFKA_RETRIES: '3' },
      }[name];
      const service = startServiceProcess(name, { ...env, ...own });
      services.set(name, service);
      urls.set(name, await service.url());
    }
    await waitFor(async () => (await readiness()).every((r) => r.ready), 60_000, 'every service ready');
  }, 180_000);

  afterAll(async () => {
    for (const service of services.values()) await service.stop('SIGKILL');
    await topics?.remove().catch(() => undefined);
    await store?.close();
    await kafka?.remove();
  });

  async function readiness(): Promise<{ name: ServiceName; ready: boolean; kafka: string }[]> {
    return Promise.all(
      [...urls].map(async ([name, url]) => {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
        const check = body.checks.find((c) => c.name === 'kafka');
        return { name, ready: res.ok, kafka: check?.ok ? 'ok' : (check?.detail ?? 'failing') };
      }),
    );
  }
  const noneReady = async () => (await readiness()).every((r) => !r.ready && r.kafka !== 'ok');
  const allReady = async () => (await readiness()).every((r) => r.ready);

  it('each turns not ready within seconds of the broker dying, ready when it is back; the consumer stays one member', {
    timeout: 240_000,
  }, async () => {
    const consumer = services.get('event-consumer')!;
    for (let round = 1; round <= 2; round++) {
      process.kill(kafka.pid(), 'SIGKILL');
      await waitFor(noneReady, 10_000, `round ${round}: every service not ready after the broker died`).catch(
        async (err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(await readiness())}`);
        },
      );
      // Down for a while, as a crashed broker is before its supervisor restarts it.
      await new Promise((r) => setTimeout(r, 5_000));
      await kafka.start();
      await waitFor(allReady, 60_000, `round ${round}: every service ready again`);
    }
    // The group settles with this one process in it, holding every partition.
    const group = await waitFor(
      () =>
        withAdmin(async (admin) => {
          const [g] = (await admin.describeGroups([topics.group])).groups;
          return g?.state === 'Stable' && g;
        }, kafka.brokers),
      60_000,
      'the group stable',
    );
    const renewed = consumer.logs.filter((l) => l.event === 'consumer.renewed').length;
    expect(
      group.members.map((m) => m.clientId),
      `${renewed} renewals`,
    ).toHaveLength(1);
    const metrics = await (await fetch(`${urls.get('event-consumer')}/metrics`)).text();
    const lagPartitions = [...metrics.matchAll(/^consumer_lag\{[^}]*partition="(\d+)"/gm)]
      .map(([, p]) => Number(p))
      .sort();
    expect(lagPartitions).toEqual([0, 1, 2]);

    // And it stores what comes next, each event once (the automatic generator publishes beside it).
    const events = makeEvents(30, 3, Date.now() + 1_000);
    await produce(topics.events, events, 500, kafka.brokers);
    const log = () => store.redis.zrange(redisKeys(store.prefix).eventLog, 0, -1);
    await waitFor(
      async () => {
        const stored = new Set(await log());
        return events.every((e) => stored.has(e.json));
      },
      30_000,
      'the new events stored',
    );
    const ids = (await log()).map((m) => (JSON.parse(m) as { event_id: string }).event_id);
    expect(ids.length - new Set(ids).size, 'event_ids stored twice').toBe(0);
  });

  it('each turns not ready within seconds of the broker freezing (SIGSTOP), and ready when it thaws', {
    timeout: 120_000,
  }, async () => {
    process.kill(kafka.pid(), 'SIGSTOP');
    try {
      await waitFor(noneReady, 10_000, 'every service not ready while the broker is frozen').catch(
        async (err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(await readiness())}`);
        },
      );
    } finally {
      process.kill(kafka.pid(), 'SIGCONT');
    }
    await waitFor(allReady, 60_000, 'every service ready after the broker thawed');
  });
});
