import { EVENT_LOG_KEY, redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countRecords, createTestTopics, readTopic } from '../support/kafka.js';
import { startOwnKafka } from '../support/own-kafka.js';
import { startOwnRedis } from '../support/own-redis.js';
import { type PublishLoad, startPublishLoad } from '../support/publish-load.js';
import { testRedis } from '../support/redis.js';
import { type ServiceName, type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { expectAcknowledgedStoredOnce } from '../support/stored-once.js';
import { waitFor } from '../support/wait.js';

/** No publish waits for Kafka longer than this (the generator's PUBLISH_TIMEOUT_MS in these tests)… */
const PUBLISH_TIMEOUT_MS = 2_000;
/** …plus the request's own time on a loaded 2-core machine. */
const ANSWER_SLACK_MS = 1_000;

const RATE = 250;

/** A service process of this test, killed when the test ends whatever happened. */
function service(name: ServiceName, env: Record<string, string>): ServiceProcess {
  const p = startServiceProcess(name, env);
  onTestFinished(async () => {
    await p.stop('SIGKILL');
  });
  return p;
}

function load(url: string, label: string): PublishLoad {
  const l = startPublishLoad(`${url}/publish`, RATE, label);
  onTestFinished(async () => {
    await l.stop();
  });
  return l;
}

/** Waits until `count` more publishes were answered (whatever the status): the load moved on by that much. */
const answered = (l: PublishLoad, count: number, what: string) => {
  const target = l.outcomes.length + count;
  return waitFor(async () => l.outcomes.length >= target, 60_000, what);
};

/** Promise 1 of the README's Guarantees: every event answered 202 ends in event_log exactly once. */
describe('acknowledged means stored, through faults, under load', () => {
  it('when the consumer is killed with SIGKILL and restarted', async () => {
    const topics = await createTestTopics('fault-consumer');
    const store = testRedis('fault-consumer');
    onTestFinished(async () => {
      await topics.remove();
      await store.close();
    });
    const consumerEnv = {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: store.prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      RETRY_MAX_BACKOFF_MS: '2000',
    };
    const first = service('event-consumer', consumerEnv);
    await first.waitForEvent('consumer.joined');
    const generator = service('event-generator', { KAFKA_TOPIC: topics.events });
    const publishing = load(await generator.ready(), 'kill');
    await answered(publishing, RATE * 2, 'load before the kill');
    await first.stop('SIGKILL');
    await answered(publishing, RATE, 'load while no consumer runs');
    const second = service('event-consumer', consumerEnv);
    await second.waitForEvent('consumer.joined');
    await answered(publishing, RATE * 2, 'load after the restart');
    const outcomes = await publishing.stop();
    expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
    await expectAcknowledgedStoredOnce(store.redis, redisKeys(store.prefix).eventLog, publishing.acknowledged());
  });

  it('when its Redis (append-only) is down while 1,000 more events are acknowledged', async () => {
    const topics = await createTestTopics('fault-redis');
    const own = await startOwnRedis();
    const redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    onTestFinished(async () => {
      redis.disconnect();
      await own.remove();
      await topics.remove();
    });
    const consumer = service('event-consumer', {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_URL: own.url,
    });
    await consumer.waitForEvent('consumer.joined');
    const generator = service('event-generator', { KAFKA_TOPIC: topics.events });
    const publishing = load(await generator.ready(), 'redis');
    await answered(publishing, RATE, 'load before Redis stops');
    await own.stop(true);
    await answered(publishing, 1_000, 'load while Redis is down');
    await own.start();
    await answered(publishing, RATE, 'load after Redis is back');
    const outcomes = await publishing.stop();
    expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
    await expectAcknowledgedStoredOnce(redis, EVENT_LOG_KEY, publishing.acknowledged());
    expect(consumer.child.exitCode).toBeNull();
  });

  it('when the broker stops and restarts: 503 fast meanwhile, the automatic generator retries, nothing acked lost', {
    timeout: 240_000,
  }, async () => {
    const kafka = await startOwnKafka();
    const store = testRedis('fault-kafka');
    onTestFinished(async () => {
      await kafka.remove();
      await store.close();
    });
    const env = { KAFKA_BROKERS: kafka.brokers, REDIS_KEY_PREFIX: store.prefix };
    const consumer = service('event-consumer', env);
    await consumer.waitForEvent('consumer.joined');
    const automatic = service('automatic-generator', { ...env, INTERVAL_MS: '200' });
    const automaticUrl = await automatic.ready();
    const generator = service('event-generator', { ...env, PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) });
    const publishing = load(await generator.ready(), 'broker');
    await answered(publishing, RATE * 2, 'load before the broker stops');

    await kafka.stop();
    const outageStart = publishing.outcomes.length;
    await waitFor(
      async () => publishing.outcomes.slice(outageStart).filter((o) => o.status === 503).length > RATE * 3,
      60_000,
      'three seconds of 503s',
    );
    await automatic.waitForEvent('publish.failed');
    const duringOutage = publishing.outcomes.slice(outageStart);
    await kafka.start();
    const afterRestart = publishing.outcomes.length;
    await waitFor(
      async () => publishing.outcomes.slice(afterRestart).filter((o) => o.status === 202).length > RATE,
      60_000,
      'publishing again',
    );
    const outcomes = await publishing.stop();

    // During the outage: 503s, each answered within the publish timeout; no request hung.
    expect(duringOutage.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
    expect(outcomes.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
    expect(Math.max(...outcomes.filter((o) => o.status === 503).map((o) => o.ms))).toBeLessThan(
      PUBLISH_TIMEOUT_MS + ANSWER_SLACK_MS,
    );
    expect(automatic.child.exitCode).toBeNull();
    const keys = redisKeys(store.prefix);
    await expectAcknowledgedStoredOnce(store.redis, keys.eventLog, publishing.acknowledged(), 120_000);

    // Everything the automatic generator got into Kafka — it retried through the outage — is stored too.
    expect((await automatic.stop('SIGTERM')).code).toBe(0);
    expect(await fetch(`${automaticUrl}/healthz`).catch(() => 'gone')).toBe('gone');
    const all = await readTopic('events', await countRecords('events', kafka.brokers), 60_000, kafka.brokers);
    const fromAutomatic = all
      .map((m) => m.value!.toString())
      .filter((json) => json.includes('"source":"automatic-generator"'));
    expect(fromAutomatic.length).toBeGreaterThan(10);
    await expectAcknowledgedStoredOnce(store.redis, keys.eventLog, fromAutomatic, 60_000);
  });
});
