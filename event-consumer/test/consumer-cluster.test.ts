import { randomUUID } from 'node:crypto';
import { bucketKeys, redisKeys } from '@eventstreamapp/event-schema';
import type { Cluster } from 'ioredis';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../../tests/support/events.js';
import { createTestTopics } from '../../tests/support/kafka.js';
import { useOwnRedisCluster } from '../../tests/support/own-redis-cluster.js';
import { startServiceProcess } from '../../tests/support/service-process.js';
import { waitFor } from '../../tests/support/wait.js';
import { clusterLog, expectStoredOnceInCluster } from './helpers.js';

/** The consumer as it runs in the cluster topology: its own process, REDIS_CLUSTER_NODES, a replica per chunk. */
describe('event-consumer on a Redis Cluster', () => {
  const own = useOwnRedisCluster();
  let cluster: Cluster;
  beforeAll(() => {
    cluster = own().client();
  });

  it('stores every event once across the masters while one master is killed and its replica takes over', {
    timeout: 180_000,
  }, async () => {
    const topics = await createTestTopics('consumer-cluster');
    onTestFinished(() => topics.remove());
    const prefix = `c${randomUUID().slice(0, 8)}:`;
    const keys = redisKeys(prefix);
    const buckets = bucketKeys(keys, 12);
    const consumer = startServiceProcess('event-consumer', {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_CLUSTER_NODES: own().nodes.join(','),
      REDIS_KEY_PREFIX: prefix,
      REDIS_WAIT_REPLICAS: '1',
    });
    onTestFinished(async () => void (await consumer.stop('SIGKILL')));
    await consumer.ready(60_000);

    const events = makeEvents(3_000, 29);
    await produce(topics.events, events.slice(0, 1_000));
    // The test's own reads may meet the failover too: a read that fails is a "not yet".
    const stored = async (n: number) => (await clusterLog(cluster, buckets).catch(() => [])).length >= n;
    await waitFor(() => stored(1_000), 60_000, 'the first 1,000 stored');

    const [victim] = await own().masters();
    await own().kill(victim!);
    await produce(topics.events, events.slice(1_000, 2_000));
    await waitFor(async () => !(await own().masters()).includes(victim!), 30_000, 'a replica promoted');
    // Back as a replica of its successor: WAIT has a replica to count again.
    await own().restart(victim!);
    await produce(topics.events, events.slice(2_000));

    await waitFor(() => stored(3_000), 90_000, 'all 3,000 stored');
    await expectStoredOnceInCluster(cluster, keys, buckets, events);
    expect(await own().check()).toContain('[OK] All 16384 slots covered.');
    await consumer.ready(30_000);
  });
});
