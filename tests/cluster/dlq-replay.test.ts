import { bucketKeys, redisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { replayDeadLetters } from '@eventstreamapp/pipeline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { storeEventsInCluster } from '../../event-consumer/src/store-events-cluster.js';
import { makeEvents, produce } from '../support/events.js';
import { createTestTopics, testKafka, uniqueName } from '../support/kafka.js';
import { useOwnRedisCluster } from '../support/own-redis-cluster.js';

/**
 * A dead-letter replay on a Redis Cluster: what is already stored is looked up in the log's buckets, so it is not
 * sent again (past the dedup window the consumer would store it twice).
 */
describe('a dead-letter replay on a Redis Cluster', () => {
  const own = useOwnRedisCluster();

  it('finds the dead letters already stored in the buckets and replays only the others', {
    timeout: 60_000,
  }, async () => {
    const topics = await createTestTopics('cluster-replay');
    onTestFinished(() => topics.remove());
    const cluster = own().client();
    const keys = redisKeys(`${uniqueName('replay')}:`);
    const letters = makeEvents(300, 7);
    await produce(topics.dlq, letters);
    // A third of them stored meanwhile (replayed before, or published again by their client).
    const stored: Accepted[] = letters.slice(0, 100).map((record, i) => ({
      offset: String(i),
      record,
      bytes: Buffer.from(record.json),
    }));
    const options = { dedupWindowMs: 60_000, maxLogLength: 0, maxStreamLength: 0, retentionMs: 0 };
    await storeEventsInCluster(cluster, keys, bucketKeys(keys, 12), stored, {
      ...options,
      userKeyTtlMs: 0,
      waitReplicas: 0,
      waitTimeoutMs: 1_000,
    });
    const report = await replayDeadLetters(
      {
        kafka: testKafka(),
        redis: cluster,
        keys,
        clusterBuckets: 12,
        holder: 'this test',
        topics,
        maxEventBytes: 65_536,
        maxFutureMs: 300_000,
      },
      { dryRun: true },
    );
    expect(report).toMatchObject({ alreadyStored: 100, replayed: 200 });
  });
});
