import { redisKeys } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { type ReplicatedInfra, startReplicatedInfra } from '../../tests/support/replicated.js';
import { createTopicsWithLeaders } from '../../tests/support/topics.js';
import { clientEvent, storedEvent } from '../lib/events.js';
import { hammer, postJson } from '../lib/load.js';
import { deletePrefix } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { createTopic, deleteTopics, KAFKA_BROKERS, kafka, REDIS_URL, runId, startService } from '../lib/stack.js';

type Produce = (messages: { key: string; value: string }[]) => Promise<void>;

/** POST /publish for `durationSeconds` against a generator on the given brokers. */
async function publishThroughput(brokers: string, topic: string, connections: number, durationSeconds: number) {
  const generator = await startService(
    'event-generator',
    { KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic },
    `generator-${topic}`,
  );
  try {
    return await hammer({
      url: `${generator.url}/publish`,
      method: 'POST',
      body: JSON.stringify(clientEvent(1)),
      headers: { 'content-type': 'application/json' },
      connections,
      durationSeconds,
    });
  } finally {
    await generator.stop();
  }
}

/** Preloads `count` events, then times a fresh consumer storing them all. */
async function ingestRate(
  produce: Produce,
  consumerEnv: Record<string, string>,
  count: number,
  redis: Redis,
  prefix: string,
) {
  const records = Array.from({ length: count }, (_, i) => storedEvent(i, Date.now() - count));
  for (let i = 0; i < records.length; i += 5_000) {
    await produce(records.slice(i, i + 5_000).map((r) => ({ key: r.event.user_id, value: r.json })));
  }
  const consumer = await startService(
    'event-consumer',
    { ...consumerEnv, REDIS_KEY_PREFIX: prefix },
    `consumer-${prefix.slice(0, -1)}`,
  );
  const started = performance.now();
  let stored = 0;
  for (const deadline = started + 300_000; stored < count && performance.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
    stored = await redis.zcard(redisKeys(prefix).eventLog);
  }
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  return { eventsPerSecond: stored / seconds, missing: count - stored };
}

async function producerOn(brokers: string, topic: string): Promise<{ produce: Produce; close: () => Promise<void> }> {
  const producer = kafka('bench-replicated', brokers).producer();
  await producer.connect();
  return {
    produce: async (messages) => {
      await producer.send({ topic, acks: -1, messages });
    },
    close: () => producer.disconnect(),
  };
}

async function primary(infra: ReplicatedInfra): Promise<Redis> {
  const redis = new Redis((await infra.redisPrimary()).port, '127.0.0.1', { maxRetriesPerRequest: 3 });
  redis.on('error', () => {});
  return redis;
}

/**
 * Kills the broker leading most partitions while publishing at a steady rate: how long publishing
 * answered 503 (from the kill to the first 202 after the last 503).
 */
async function brokerFailover(infra: ReplicatedInfra, topic: string): Promise<{ seconds: number; refused: number }> {
  const generator = await startService(
    'event-generator',
    { KAFKA_BROKERS: infra.brokers, KAFKA_TOPIC: topic },
    'generator-failover',
  );
  const outcomes: { at: number; status: number }[] = [];
  let running = true;
  const sending = (async () => {
    while (running) {
      const { status } = await postJson(`${generator.url}/publish`, '{}');
      outcomes.push({ at: performance.now(), status });
      await new Promise((r) => setTimeout(r, 4));
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    const leaders = await infra.leaders(topic);
    const victim = [1, 2, 3].sort(
      (a, b) => leaders.filter((l) => l === b).length - leaders.filter((l) => l === a).length,
    )[0]!;
    const killedAt = performance.now();
    await infra.killBroker(victim);
    await new Promise((r) => setTimeout(r, 15_000));
    running = false;
    await sending;
    const after = outcomes.filter((o) => o.at >= killedAt);
    const lastRefused = after.filter((o) => o.status !== 202).at(-1);
    const recovered = lastRefused ? after.find((o) => o.at > lastRefused.at && o.status === 202) : after[0];
    await infra.startBroker(victim);
    return {
      seconds: ((recovered?.at ?? performance.now()) - killedAt) / 1000,
      refused: after.filter((o) => o.status !== 202).length,
    };
  } finally {
    running = false;
    await sending;
    await generator.stop();
  }
}

/** Kills the Redis primary: how long until Sentinel named the replica primary and it took writes. */
async function redisFailover(infra: ReplicatedInfra): Promise<number> {
  const before = await infra.redisPrimary();
  const killedAt = performance.now();
  await infra.killRedis(before.node);
  for (;;) {
    const now = await infra.redisPrimary().catch(() => before);
    if (now.node !== before.node) {
      const redis = new Redis(now.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      const writable = await redis.set('bench:failover', '1').then(
        () => true,
        () => false,
      );
      redis.disconnect();
      if (writable) break;
    }
    if (performance.now() - killedAt > 60_000) throw new Error('no Redis failover within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - killedAt) / 1000;
  await infra.startRedis(before.node);
  return seconds;
}

/** Publishing and ingest on topics of their own, single and replicated: the ingest consumer must find only its own. */
async function createScenarioTopics(infra: ReplicatedInfra, single: string, cluster: string): Promise<void> {
  await createTopic(single);
  await createTopic(`${single}.ingest`);
  await createTopic(`${single}.dlq`, 1);
  const admin = infra.kafka().admin();
  await admin.connect();
  await createTopicsWithLeaders(
    admin,
    [cluster, `${cluster}.ingest`, `${cluster}.dlq`].map((topic) => ({
      topic,
      numPartitions: 3,
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    })),
  );
  await admin.disconnect();
}

/** Ingest on the replicated topology (RF 3, WAIT for one replica), and the memory its keys take per event. */
async function ingestReplicated(infra: ReplicatedInfra, cluster: string, count: number) {
  const clusterProducer = await producerOn(infra.brokers, `${cluster}.ingest`);
  const clusterRedis = await primary(infra);
  try {
    const ingestCluster = await ingestRate(
      clusterProducer.produce,
      {
        KAFKA_BROKERS: infra.brokers,
        KAFKA_TOPIC: `${cluster}.ingest`,
        KAFKA_DLQ_TOPIC: `${cluster}.dlq`,
        KAFKA_GROUP_ID: `${cluster}-ingest`,
        REDIS_SENTINELS: infra.sentinels,
        REDIS_SENTINEL_NAME: infra.sentinelName,
        REDIS_WAIT_REPLICAS: '1',
      },
      count,
      clusterRedis,
      `${cluster}:`,
    );
    await clusterProducer.close();
    const memory = Number(await clusterRedis.memory('USAGE', `${cluster}:event_log`, 'SAMPLES', '0'));
    const idsMemory = Number(await clusterRedis.memory('USAGE', `${cluster}:event_ids`, 'SAMPLES', '0'));
    return { ingestCluster, memory, idsMemory };
  } finally {
    clusterRedis.disconnect();
  }
}

/**
 * The replicated topology (three KRaft nodes, RF 3, min.insync.replicas 2; a Redis primary, its replica
 * and three Sentinels, the consumer waiting for one replica per chunk) beside the single-node one in the
 * same run: publish and ingest throughput, their ratios, and how long each failover took.
 */
export const replicatedScenario: Scenario = async ({ quick, connections, durationSeconds }) => {
  const count = quick ? 10_000 : 100_000;
  const infra = await startReplicatedInfra();
  const single = runId('repl-single');
  const cluster = runId('repl-cluster');
  const singleRedis = new Redis(REDIS_URL);
  try {
    await createScenarioTopics(infra, single, cluster);

    const publishSingle = await publishThroughput(KAFKA_BROKERS, single, connections, durationSeconds);
    const publishCluster = await publishThroughput(infra.brokers, cluster, connections, durationSeconds);

    const singleProducer = await producerOn(KAFKA_BROKERS, `${single}.ingest`);
    const ingestSingle = await ingestRate(
      singleProducer.produce,
      { KAFKA_TOPIC: `${single}.ingest`, KAFKA_DLQ_TOPIC: `${single}.dlq`, KAFKA_GROUP_ID: `${single}-ingest` },
      count,
      singleRedis,
      `${single}:`,
    );
    await singleProducer.close();
    const { ingestCluster, memory, idsMemory } = await ingestReplicated(infra, cluster, count);

    const broker = await brokerFailover(infra, cluster);
    const redisSeconds = await redisFailover(infra);

    const rows: Row[] = [
      {
        scenario: 'replicated',
        measure: 'POST /publish, single node',
        value: publishSingle.requestsPerSecond,
        unit: 'req/s',
        note: `p99 ${publishSingle.p99Ms} ms`,
      },
      {
        scenario: 'replicated',
        measure: 'POST /publish, 3 brokers RF 3',
        value: publishCluster.requestsPerSecond,
        unit: 'req/s',
        note: `p99 ${publishCluster.p99Ms} ms`,
      },
      {
        scenario: 'replicated',
        measure: 'publish: replicated ÷ single',
        value: publishCluster.requestsPerSecond / publishSingle.requestsPerSecond,
        unit: 'ratio',
      },
      {
        scenario: 'replicated',
        measure: `ingest ${count}, single node`,
        value: ingestSingle.eventsPerSecond,
        unit: 'events/s',
      },
      {
        scenario: 'replicated',
        measure: `ingest ${count}, RF 3 + WAIT 1`,
        value: ingestCluster.eventsPerSecond,
        unit: 'events/s',
      },
      {
        scenario: 'replicated',
        measure: 'ingest: replicated ÷ single',
        value: ingestCluster.eventsPerSecond / ingestSingle.eventsPerSecond,
        unit: 'ratio',
      },
      {
        scenario: 'replicated',
        measure: 'broker killed: 503s until publishing again',
        value: broker.seconds,
        unit: 's',
        note: `${broker.refused} publishes refused`,
      },
      {
        scenario: 'replicated',
        measure: 'Redis primary killed: until the replica takes writes',
        value: redisSeconds,
        unit: 's',
      },
      {
        scenario: 'replicated',
        measure: 'event_log memory per million events',
        value: ((memory / count) * 1e6) / 2 ** 20,
        unit: 'MiB',
        note: `${Math.round(memory / count)} bytes/event`,
      },
      {
        scenario: 'replicated',
        measure: 'event_ids (dedup) memory per million events',
        value: ((idsMemory / count) * 1e6) / 2 ** 20,
        unit: 'MiB',
      },
    ];
    const publishErrors = publishSingle.errors + publishSingle.non2xx + publishCluster.errors + publishCluster.non2xx;
    const errors = publishErrors + ingestSingle.missing + ingestCluster.missing;
    return { parameters: { events: count, connections, durationSeconds, waitReplicas: 1 }, errors, rows };
  } finally {
    await deletePrefix(singleRedis, `${single}:`);
    singleRedis.disconnect();
    await deleteTopics([single, `${single}.ingest`, `${single}.dlq`]);
    await infra.remove();
  }
};
