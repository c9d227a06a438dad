import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type BucketKeys, bucketKeys, redisKeys } from '@eventstreamapp/event-schema';
import { Cluster, type Redis } from 'ioredis';
import { cpuRows, type MeasuredProcess, startCpuMeter } from '../lib/cpu.js';
import { storedEvent } from '../lib/events.js';
import { hammer } from '../lib/load.js';
import { REPO_ROOT } from '../lib/paths.js';
import { benchRedis, deletePrefix } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import {
  brokerProcess,
  createTopic,
  deleteTopics,
  kafka,
  redisProcess,
  runId,
  startService,
  tuningFor,
} from '../lib/stack.js';

/** The bench's own Redis Cluster (infra/redis/cluster.sh): its ports and folder, away from a developer's. */
const CLUSTER_ENV = {
  ...process.env,
  REDIS_CLUSTER_PORT: process.env.BENCH_REDIS_CLUSTER_PORT ?? '7300',
  REDIS_CLUSTER_DIR: join(REPO_ROOT, '.local', 'bench-redis-cluster'),
};
const clusterScript = (...args: string[]) =>
  execFileSync('bash', [join(REPO_ROOT, 'infra/redis/cluster.sh'), ...args], {
    env: CLUSTER_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();

/** Each cluster node's process, for the CPU meter. */
function clusterProcesses(): MeasuredProcess[] {
  return [1, 2, 3, 4, 5, 6].map((n) => ({
    name: `redis node ${n}`,
    pid: Number(clusterScript('node-pid', String(n))),
  }));
}

/** used_memory of one node, from INFO memory. */
async function usedMemory(node: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? Number.NaN);
}

/** How long the consumer takes to store `count` preloaded events from `topic`, with `env` on top of the run's. */
async function ingest(
  topic: string,
  count: number,
  env: Record<string, string>,
  storedSoFar: () => Promise<number>,
  measured: MeasuredProcess[],
) {
  const consumer = await startService('event-consumer', {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${topic}.dlq`,
    ...env,
  });
  const meter = startCpuMeter([{ name: 'event-consumer', pid: consumer.pid }, brokerProcess(), ...measured]);
  const started = performance.now();
  let stored = 0;
  const deadline = started + 600_000;
  while (stored < count && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    stored = await storedSoFar();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  await consumer.stop();
  return { stored, seconds, rate: stored / seconds, cpu };
}

/** What each master holds now, beyond its memory in `before`: memory, keys, members of the buckets' logs. */
async function mastersHold(masters: Redis[], buckets: BucketKeys[], before: number[]) {
  const memory = (await Promise.all(masters.map(usedMemory))).map((m, i) => m - before[i]!);
  const keysPer = await Promise.all(masters.map((m) => m.dbsize()));
  const logPer = await Promise.all(
    masters.map(async (m) => {
      let members = 0;
      for (const b of buckets) members += await m.zcard(b.eventLog).catch(() => 0);
      return members;
    }),
  );
  return { memory, keysPer, logPer };
}

/** Pages the viewer reads: the newest, kept in memory once read, and a filtered one, merged per request. */
const PAGES = [
  { name: 'newest page', path: '/events?limit=50' },
  { name: 'filtered page (action)', path: '/events?limit=50&action=add_to_cart' },
] as const;

/** GET each page as JSON from a viewer on one Redis and from one on the cluster, over the same events. */
async function viewBoth(prefix: string, nodes: string, connections: number, durationSeconds: number) {
  const one = await startService('event-viewer', { REDIS_KEY_PREFIX: prefix }, 'event-viewer-one');
  const spread = await startService(
    'event-viewer',
    { REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_NODES: nodes },
    'event-viewer-cluster',
  );
  const rows: Row[] = [];
  let errors = 0;
  try {
    for (const page of PAGES) {
      const load = (url: string) =>
        hammer({ url: `${url}${page.path}`, headers: { accept: 'application/json' }, connections, durationSeconds });
      const onOne = await load(one.url);
      const onCluster = await load(spread.url);
      errors += onOne.errors + onOne.non2xx + onCluster.errors + onCluster.non2xx;
      rows.push(
        {
          scenario: 'cluster',
          measure: `GET ${page.name} JSON, one Redis`,
          value: onOne.requestsPerSecond,
          unit: 'req/s',
          note: `p99 ${onOne.p99Ms} ms`,
        },
        {
          scenario: 'cluster',
          measure: `GET ${page.name} JSON, the cluster`,
          value: onCluster.requestsPerSecond,
          unit: 'req/s',
          note: `p99 ${onCluster.p99Ms} ms`,
        },
        {
          scenario: 'cluster',
          measure: `GET ${page.name}: cluster ÷ one Redis`,
          value: onCluster.requestsPerSecond / onOne.requestsPerSecond,
          unit: 'ratio',
        },
      );
    }
    return { rows, errors };
  } finally {
    await Promise.all([one.stop(), spread.stop()]);
  }
}

/** What each master holds after `count` events, and how evenly. */
function spreadRows({ memory, keysPer, logPer }: Awaited<ReturnType<typeof mastersHold>>, count: number): Row[] {
  return [
    ...memory.flatMap((taken, i) => [
      { scenario: 'cluster', measure: `master ${i + 1}: memory taken`, value: taken / 1_048_576, unit: 'MiB' },
      { scenario: 'cluster', measure: `master ${i + 1}: event_log members`, value: logPer[i]!, unit: 'count' },
      { scenario: 'cluster', measure: `master ${i + 1}: keys`, value: keysPer[i]!, unit: 'count' },
    ]),
    {
      scenario: 'cluster',
      measure: 'memory spread: largest ÷ smallest master',
      value: Math.max(...memory) / Math.min(...memory),
      unit: 'ratio',
    },
    {
      scenario: 'cluster',
      measure: 'memory per event, all masters',
      value: memory.reduce((a, b) => a + b, 0) / count,
      unit: 'bytes',
    },
  ];
}

/** `count` events into the topic, 5,000 a request. */
async function preload(topic: string, count: number): Promise<void> {
  const base = Date.now() - count;
  const producer = kafka('bench-preload').producer();
  await producer.connect();
  for (let i = 0; i < count; i += 5_000) {
    const records = Array.from({ length: Math.min(5_000, count - i) }, (_, j) => storedEvent(i + j, base));
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.event.user_id, value: r.json })),
    });
  }
  await producer.disconnect();
}

/**
 * The cluster topology's store (three masters, three replicas, the log in 12 buckets) beside one Redis in
 * the same run: the consumer storing the same preloaded events into each, and then, on the cluster, the keys
 * and the memory each master holds and how evenly they spread; then a viewer on each reading the same pages.
 * Two cores cannot show a cluster's speed-up: all six nodes share them.
 */
export const clusterScenario: Scenario = async ({ quick, connections, durationSeconds }) => {
  const count = quick ? 20_000 : Number(process.env.BENCH_CLUSTER_EVENTS ?? 200_000);
  const id = runId('cluster');
  await createTopic(id);
  await createTopic(`${id}.dlq`, 1);
  await preload(id, count);

  clusterScript('wipe');
  clusterScript('start');
  const nodes = clusterScript('nodes');
  const cluster = new Cluster(
    nodes.split(',').map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    { redisOptions: { maxRetriesPerRequest: 3 } },
  );
  const redis = benchRedis();
  try {
    await new Promise((resolve) => cluster.once('ready', resolve));
    const prefix = `${id}:`;
    const keys = redisKeys(prefix);
    const buckets = bucketKeys(keys, 12);
    const masters = cluster.nodes('master');
    const before = await Promise.all(masters.map(usedMemory));
    const oneBefore = await usedMemory(redis);

    const one = await ingest(
      id,
      count,
      { KAFKA_GROUP_ID: `${id}-one`, REDIS_KEY_PREFIX: prefix },
      () => redis.zcard(keys.eventLog),
      [redisProcess()],
    );
    const oneMemory = (await usedMemory(redis)) - oneBefore;
    const spread = await ingest(
      id,
      count,
      { KAFKA_GROUP_ID: `${id}-cluster`, REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_NODES: nodes },
      async () => (await Promise.all(buckets.map((b) => cluster.zcard(b.eventLog)))).reduce((a, b) => a + b, 0),
      clusterProcesses(),
    );
    // Read before the run with WAIT adds its own copy of the events.
    const perMaster = await mastersHold(masters, buckets, before);
    const replicated = await ingest(
      id,
      count,
      {
        KAFKA_GROUP_ID: `${id}-cluster-wait`,
        REDIS_KEY_PREFIX: `${prefix}wait:`,
        REDIS_CLUSTER_NODES: nodes,
        REDIS_WAIT_REPLICAS: '1',
      },
      async () =>
        (await Promise.all(bucketKeys(redisKeys(`${prefix}wait:`), 12).map((b) => cluster.zcard(b.eventLog)))).reduce(
          (a, b) => a + b,
          0,
        ),
      clusterProcesses(),
    );

    const views = await viewBoth(prefix, nodes, connections, durationSeconds);
    const rows: Row[] = [
      { scenario: 'cluster', measure: `consumer into one Redis: ${count} events`, value: one.rate, unit: 'events/s' },
      { scenario: 'cluster', measure: 'consumer into the cluster (no WAIT)', value: spread.rate, unit: 'events/s' },
      { scenario: 'cluster', measure: 'cluster ÷ one Redis', value: spread.rate / one.rate, unit: 'ratio' },
      {
        scenario: 'cluster',
        measure: 'consumer into the cluster, WAIT 1 replica',
        value: replicated.rate,
        unit: 'events/s',
      },
      ...spreadRows(perMaster, count),
      { scenario: 'cluster', measure: 'memory per event, one Redis', value: oneMemory / count, unit: 'bytes' },
      ...cpuRows('cluster', 'into one Redis', one.cpu, one.stored),
      ...cpuRows('cluster', 'into the cluster', spread.cpu, spread.stored),
      ...views.rows,
    ];
    await deletePrefix(redis, prefix);
    return {
      parameters: {
        events: count,
        buckets: 12,
        masters: masters.length,
        consumer: tuningFor('event-consumer'),
        connections,
        durationSeconds,
      },
      errors: 3 * count - one.stored - spread.stored - replicated.stored + views.errors,
      rows,
    };
  } finally {
    cluster.disconnect();
    redis.disconnect();
    clusterScript('wipe');
    await deleteTopics([id, `${id}.dlq`]);
  }
};
