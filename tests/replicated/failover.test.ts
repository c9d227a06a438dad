import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { countRecords, createTestTopics, loginTo, readTopic, type TestTopics, uniqueName } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';
import { type PublishLoad, startPublishLoad } from '../support/publish-load.js';
import { type ReplicatedInfra, startReplicatedInfra, testCredentials } from '../support/replicated.js';
import { type ServiceName, type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { expectAcknowledgedStoredOnce } from '../support/stored-once.js';
import { waitFor } from '../support/wait.js';

const RATE = 250;
/**
 * How long publishing may fail after a broker is killed, from the cluster's own settings: the controller
 * fences a silent broker after broker.session.timeout.ms (until then acks=all waits on it), then clients
 * refresh metadata and the generator fails fast for 1 s after a failed send; 3 s more for a loaded 2-core
 * machine (CI saw 7.2 s once).
 */
const BROKER_SESSION_MS = Number(
  /^broker\.session\.timeout\.ms=(\d+)$/m.exec(
    readFileSync(join(REPO_ROOT, 'infra/kafka/server.properties.template'), 'utf8'),
  )![1],
);
const FAILOVER_503_MS = BROKER_SESSION_MS + 1_000 + 3_000;
/** The generator's PUBLISH_TIMEOUT_MS here: no publish waits longer for Kafka. */
const PUBLISH_TIMEOUT_MS = 3_000;

/**
 * The guarantees through failover, on the replicated topology: three KRaft nodes (replication factor 3,
 * min.insync.replicas 2) and a Redis primary, its replica and three Sentinels. Every test runs a steady
 * publish load and ends with every 202'd event stored exactly once in event_log.
 */
describe('the replicated topology, through failover, under load', { timeout: 300_000 }, () => {
  let infra: ReplicatedInfra;

  // CREDENTIALS=on: Redis, its replica and the Sentinels require a password, Kafka SASL/SCRAM-SHA-512.
  const credentials = testCredentials();

  beforeAll(async () => {
    infra = await startReplicatedInfra(credentials);
    loginTo(infra.brokers, infra.sasl!);
  }, 300_000);
  afterAll(async () => {
    await infra?.remove();
  }, 120_000);

  /** A pipeline on topics of its own (replication 3), a key prefix of its own, finding Redis through the Sentinels. */
  async function pipeline(label: string) {
    const topics: TestTopics = await createTestTopics(label, 3, {
      brokers: infra.brokers,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    const prefix = `${uniqueName(label)}:`;
    const env = {
      KAFKA_BROKERS: infra.brokers,
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_SENTINELS: infra.sentinels,
      REDIS_SENTINEL_NAME: infra.sentinelName,
      REDIS_KEY_PREFIX: prefix,
      REDIS_WAIT_REPLICAS: '1',
      PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      ...infra.serviceEnv,
    };
    const services: ServiceProcess[] = [];
    const start = (name: ServiceName) => {
      const p = startServiceProcess(name, env);
      services.push(p);
      return p;
    };
    const consumer = start('event-consumer');
    const generator = start('event-generator');
    const viewer = start('event-viewer');
    await consumer.waitForEvent('consumer.joined', 60_000);
    const [publishUrl, viewerUrl] = await Promise.all([generator.ready(), viewer.ready()]);
    const load: PublishLoad = startPublishLoad(`${publishUrl}/publish`, RATE, label);
    onTestFailed(() => {
      mkdirSync(`${REPO_ROOT}test-artifacts`, { recursive: true });
      for (const p of services) {
        writeFileSync(
          `${REPO_ROOT}test-artifacts/${label}-${p.name}.log`,
          p.logs.map((l) => JSON.stringify(l)).join('\n'),
        );
      }
    });
    onTestFinished(async () => {
      await load.stop();
      for (const p of services) await p.stop('SIGKILL');
      await infra.restore();
      await topics.remove();
    });
    const primary = async () => {
      const redis = new Redis((await infra.redisPrimary()).port, '127.0.0.1', {
        maxRetriesPerRequest: 2,
        password: credentials.REDIS_PASSWORD,
      });
      redis.on('error', () => {});
      return redis;
    };
    /** Waits until `count` more publishes were acknowledged. */
    const acknowledgedMore = (count: number, what: string) => {
      const target = load.acknowledged().length + count;
      return waitFor(async () => load.acknowledged().length >= target, 120_000, what);
    };
    /** Stops the load and checks that every acknowledged event is stored once, on whichever node is primary now. */
    const expectAllStoredOnce = async () => {
      const outcomes = await load.stop();
      expect(
        outcomes.filter((o) => o.status !== 202 && o.status !== 503),
        'only 202 or 503, no hang',
      ).toEqual([]);
      const redis = await primary();
      try {
        await expectAcknowledgedStoredOnce(redis, redisKeys(prefix).eventLog, load.acknowledged(), 120_000);
      } catch (err) {
        // Where the missing events are: in Kafka (and where), or not even there.
        const members = new Set(await redis.zrange(redisKeys(prefix).eventLog, 0, -1));
        const missing = load.acknowledged().filter((json) => !members.has(json));
        const records = await readTopic(
          topics.events,
          await countRecords(topics.events, infra.brokers),
          60_000,
          infra.brokers,
        );
        const where = missing.map((json) => {
          const r = records.find((m) => m.value?.toString() === json);
          return r ? `p${r.partition}@${r.offset}` : 'not in Kafka';
        });
        const offsets = await infra.kafka().admin();
        await offsets.connect();
        const committed = await offsets.fetchOffsets({ groupId: topics.group, topics: [topics.events] });
        const ends = await offsets.fetchTopicOffsets(topics.events);
        // A group whose offsets partition has no leader has no coordinator: say which one, and its replicas.
        const groupOffsets = (
          await offsets.fetchTopicMetadata({ topics: ['__consumer_offsets'] })
        ).topics[0]?.partitions
          .filter((p) => p.leader < 0 || p.isr.length < p.replicas.length)
          .map((p) => `${p.partitionId}: leader ${p.leader} isr [${p.isr}] of [${p.replicas}]`);
        await offsets.disconnect();
        throw new Error(
          `${(err as Error).message}; missing at ${where.join(', ')}; ` +
            `committed ${JSON.stringify(committed[0]?.partitions)}; ends ${JSON.stringify(ends)}; ` +
            `__consumer_offsets partitions not fully in sync: ${groupOffsets?.join(', ') || 'none'}`,
        );
      } finally {
        redis.disconnect();
      }
      return outcomes;
    };
    return { topics, consumer, viewerUrl, load, acknowledgedMore, expectAllStoredOnce };
  }

  it('refuses a client without the credentials: Redis, its Sentinels and every broker', async () => {
    const { port } = await infra.redisPrimary();
    const sentinelPort = Number(infra.sentinels.split(',')[0]!.split(':')[1]);
    for (const [what, redisPort] of [
      ['primary', port],
      ['sentinel', sentinelPort],
    ] as const) {
      const anonymous = new Redis(redisPort, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      anonymous.on('error', () => {});
      await expect(anonymous.ping(), what).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
      const wrong = new Redis(redisPort, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        password: 'wrong',
      });
      const errors: string[] = [];
      wrong.on('error', (err: Error) => errors.push(err.message));
      await expect(wrong.connect(), what).rejects.toThrow();
      expect(errors.join('; '), what).toMatch(/WRONGPASS|invalid password/);
      wrong.disconnect();
    }
    const trying = async (sasl?: SASLOptions) => {
      for (const broker of infra.brokers.split(',')) {
        const kafka = new Kafka({
          clientId: 'no-credentials',
          brokers: [broker],
          logLevel: logLevel.NOTHING,
          retry: { retries: 0 },
          ...(sasl ? { sasl } : {}),
        });
        const admin = kafka.admin();
        await expect(
          admin.connect().then(() => admin.listTopics()),
          broker,
        ).rejects.toThrow(sasl ? /authentication failed/i : /closed connection|Connection/i);
        await admin.disconnect().catch(() => {});
      }
    };
    await trying();
    await trying({ mechanism: 'scram-sha-512', username: credentials.KAFKA_SASL_USERNAME, password: 'wrong' });
    // ...while the services' own credentials open both.
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, password: credentials.REDIS_PASSWORD });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
    const admin = infra.kafka().admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain('events');
    await admin.disconnect();
  });

  it('keeps publishing and storing when the broker leading most partitions is killed; replicas catch up', async () => {
    const p = await pipeline('failover-broker');
    await p.acknowledgedMore(RATE, 'load before the kill');
    const leaders = await infra.leaders(p.topics.events);
    const victim = [1, 2, 3].sort(
      (a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length,
    )[0]!;
    const killedAt = p.load.outcomes.length;
    await infra.killBroker(victim);
    await p.acknowledgedMore(RATE * 2, 'publishing again without the killed broker');
    const failed = p.load.outcomes.slice(killedAt).filter((o) => o.status === 503).length;
    // At most the failover's few seconds of 503s (FAILOVER_503_MS), each answered promptly with Retry-After.
    expect(failed).toBeLessThan((RATE * FAILOVER_503_MS) / 1_000);
    await infra.startBroker(victim);
    await waitFor(
      async () => (await infra.underReplicated(p.topics.events)) === 0,
      120_000,
      'all replicas in sync again',
    );
    await p.acknowledgedMore(RATE, 'load after the restart');
    await p.expectAllStoredOnce();
  });

  it('follows a Redis failover without a restart: Sentinel promotes the replica, nothing acked lost', async () => {
    const p = await pipeline('failover-redis');
    await p.acknowledgedMore(RATE, 'load before the kill');
    const before = await infra.redisPrimary();
    await infra.killRedis(before.node);
    await waitFor(
      async () => (await infra.redisPrimary()).node !== before.node,
      60_000,
      'Sentinel promoting the replica',
    );
    await p.acknowledgedMore(RATE, 'load after the failover');
    // The consumer waits for a replica to acknowledge each chunk: the old primary rejoins as one.
    await infra.startRedis(before.node);
    await waitFor(
      async () => (await fetch(`${p.viewerUrl}/events`, { headers: { accept: 'application/json' } })).ok,
      30_000,
      'viewer on the new primary',
    );
    await p.acknowledgedMore(RATE, 'load with the replica back');
    await p.expectAllStoredOnce();
    expect(p.consumer.child.exitCode).toBeNull();
  });

  it('publishes with one broker stopped; with two, answers 503 promptly and recovers when one returns', async () => {
    const p = await pipeline('failover-two');
    await p.acknowledgedMore(RATE, 'load before');
    await infra.stopBroker(3);
    await p.acknowledgedMore(RATE * 2, 'publishing with two brokers (min.insync.replicas=2)');
    await infra.stopBroker(2);
    const twoDown = p.load.outcomes.length;
    await waitFor(
      async () => p.load.outcomes.slice(twoDown).filter((o) => o.status === 503).length > RATE,
      60_000,
      'a second of 503s',
    );
    const refused = p.load.outcomes.slice(twoDown).filter((o) => o.status === 503);
    // Promptly: within the publish timeout, plus the request's own time on a loaded machine.
    expect(Math.max(...refused.map((o) => o.ms))).toBeLessThan(PUBLISH_TIMEOUT_MS + 2_000);
    await Promise.all([infra.startBroker(2), infra.startBroker(3)]);
    await p.acknowledgedMore(RATE * 2, 'publishing again');
    await p.expectAllStoredOnce();
  });
});
