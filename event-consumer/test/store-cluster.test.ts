import { randomUUID } from 'node:crypto';
import {
  type BucketKeys,
  bucketKeys,
  bucketOf,
  type EventRecord,
  eventIdBytes,
  type RedisKeys,
  redisKeys,
  streamKeysInCluster,
} from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { type Cluster, Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { useOwnRedisCluster } from '../../tests/support/own-redis-cluster.js';
import { waitFor } from '../../tests/support/wait.js';
import type { StoreOptions } from '../src/store-events.js';
import { type StoreFailpoint, storeEventsInCluster, waitForReplicas } from '../src/store-events-cluster.js';
import { clusterLog, expectStoredOnceInCluster } from './helpers.js';

const options: StoreOptions = {
  dedupWindowMs: 86_400_000,
  maxLogLength: 0,
  maxStreamLength: 100_000,
  retentionMs: 0,
  userKeyTtlMs: 0,
  waitReplicas: 0,
  waitTimeoutMs: 2_000,
};

const BUCKETS = 12;

/** A chunk as the consumer reads it from partition 0, from `first` on. */
const chunkOf = (events: EventRecord[], first = 0): Accepted[] =>
  events.map((record, i) => ({
    offset: String(first + i),
    record,
    bytes: Buffer.from(record.json),
    journey: `0:${first + i}:${record.event.timestamp}`,
  }));

/** The stored-once rule, and every id in the index: the same events from other records are all duplicates. */
async function expectStoredOnce(cluster: Cluster, keys: RedisKeys, buckets: BucketKeys[], events: EventRecord[]) {
  await expectStoredOnceInCluster(cluster, keys, buckets, events);
  const again = await storeEventsInCluster(cluster, keys, buckets, chunkOf(events, 1_000_000), options);
  expect(again).toEqual({ stored: 0, duplicates: events.length, expired: 0 });
}

describe('the consumer’s store on a Redis Cluster (three masters, three replicas)', () => {
  const own = useOwnRedisCluster();
  let cluster: Cluster;
  beforeAll(() => {
    cluster = own().client();
  });

  const fresh = () => {
    const keys = redisKeys(`t${randomUUID().slice(0, 8)}:`);
    return { keys, buckets: bucketKeys(keys, BUCKETS) };
  };

  it('is healthy by redis-cli --cluster check, with three masters', async () => {
    expect(await own().check()).toContain('[OK] All 16384 slots covered.');
    expect(await own().masters()).toHaveLength(3);
  });

  it('stores a chunk once across the buckets, and every master takes a share of the writes', async () => {
    const { keys, buckets } = fresh();
    const events = makeEvents(1_200, 17);
    expect(
      await storeEventsInCluster(cluster, keys, buckets, chunkOf(events), { ...options, waitReplicas: 1 }),
    ).toEqual({ stored: 1_200, duplicates: 0, expired: 0 });
    await expectStoredOnce(cluster, keys, buckets, events);
    const perMaster = await Promise.all(
      cluster.nodes('master').map(async (node) => {
        let members = 0;
        for (const b of buckets) members += await node.zcard(b.eventLog).catch(() => 0);
        return members;
      }),
    );
    // 1,200 random ids over 12 buckets, four buckets a master: 400 each, give or take the draw.
    for (const members of perMaster) expect(members).toBeGreaterThan(300);
    expect(perMaster.reduce((a, b) => a + b)).toBe(1_200);
  });

  it('announces a chunk once, with its stored count and newest timestamp', async () => {
    const { keys, buckets } = fresh();
    const events = makeEvents(50, 3);
    const listener = own().client();
    const heard: string[] = [];
    listener.on('message', (_channel: string, text: string) => heard.push(text));
    await listener.subscribe(keys.storedChannel);
    await storeEventsInCluster(cluster, keys, buckets, chunkOf(events), options);
    await storeEventsInCluster(cluster, keys, buckets, chunkOf(events), options);
    // A marker after both: what came before it is all the stores announced.
    await cluster.publish(keys.storedChannel, 'end');
    await expect.poll(() => heard.at(-1)).toBe('end');
    expect(heard).toEqual([`{"count":50,"newest_timestamp":${events.at(-1)!.event.timestamp}}`, 'end']);
  });

  it('keeps events past the retention out of the log and the stream, but in their user key, as one node', async () => {
    const { keys, buckets } = fresh();
    const old = makeEvents(30, 3, Date.now() - 7_200_000);
    const recent = makeEvents(30, 3);
    const result = await storeEventsInCluster(cluster, keys, buckets, chunkOf([...old, ...recent]), {
      ...options,
      retentionMs: 3_600_000,
    });
    expect(result).toEqual({ stored: 30, duplicates: 0, expired: 30 });
    expect((await clusterLog(cluster, buckets)).sort()).toEqual(recent.map((e) => e.json).sort());
    const streamed = await cluster.xrange(streamKeysInCluster(keys).stream, '-', '+');
    expect(streamed.flatMap(([, fields]) => fields.filter((_, i) => fields[i - 1] === 'e')).sort()).toEqual(
      recent.map((e) => e.json).sort(),
    );
    expect(await cluster.get(keys.eventKey('u0'))).toBe(recent.at(-3)!.json);
  });

  it('keeps the log within its cap (EVENT_LOG_MAX_LEN): each bucket its share, the newest of its own', async () => {
    const { keys, buckets } = fresh();
    const events = makeEvents(1_200, 17);
    for (let i = 0; i < events.length; i += 300)
      await storeEventsInCluster(cluster, keys, buckets, chunkOf(events.slice(i, i + 300), i), {
        ...options,
        maxLogLength: 120,
      });
    for (const [i, bucket] of buckets.entries()) {
      const sent = events.filter((e) => bucketOf(eventIdBytes(e.event.event_id), BUCKETS) === i);
      expect(sent.length, bucket.eventLog).toBeGreaterThan(10);
      // 120 ÷ 12 buckets: ten each, the ten newest sent to it (timestamps rise with the index).
      expect(await cluster.zrange(bucket.eventLog, 0, -1), bucket.eventLog).toEqual(sent.slice(-10).map((e) => e.json));
    }
  });

  // Every step the store can be cut short before, as a consumer killed there would be; then the chunk
  // comes again from Kafka (same records, same journeys) and is stored by a new attempt.
  const cuts: [Parameters<StoreFailpoint>[0], number][] = [
    ['bucket', 0],
    ['bucket', 1],
    ['bucket', 7],
    ['bucket', 11],
    ['user key', 0],
    ['user key', 5],
    ['user key', 16],
    ['stream', 0],
    ['announce', 0],
  ];
  it.each(cuts)('leaves every event once in every key when cut short before %s %i and retried', async (step, at) => {
    const { keys, buckets } = fresh();
    const events = makeEvents(600, 17);
    const cut: StoreFailpoint = (s, n) => {
      if (s === step && n === at) throw new Error(`cut before ${s} ${n}`);
    };
    await expect(storeEventsInCluster(cluster, keys, buckets, chunkOf(events), options, cut)).rejects.toThrow(
      `cut before ${step} ${at}`,
    );
    await storeEventsInCluster(cluster, keys, buckets, chunkOf(events), options);
    await expectStoredOnce(cluster, keys, buckets, events);
  });

  it('leaves a user key alone for a duplicate from another record (a client retry), not for a retried write', {
    timeout: 60_000,
  }, async () => {
    const { keys, buckets } = fresh();
    const [first, second] = makeEvents(2, 1);
    await storeEventsInCluster(cluster, keys, buckets, chunkOf([first!, second!]), options);
    // The first event published again: another record, another journey.
    expect(await storeEventsInCluster(cluster, keys, buckets, chunkOf([first!], 9), options)).toEqual({
      stored: 0,
      duplicates: 1,
      expired: 0,
    });
    expect(await cluster.get(keys.eventKey('u0'))).toBe(second!.json);
    // The same record again (offset 0, as after a crash before the commit): its user key is written again.
    await storeEventsInCluster(cluster, keys, buckets, chunkOf([first!]), options);
    expect(await cluster.get(keys.eventKey('u0'))).toBe(first!.json);
  });

  // Last: it leaves the cluster with another master than the tests above assume.
  it('WAITs on the masters of now after a failover its client has not seen (the demoted master refuses WAIT)', {
    timeout: 60_000,
  }, async () => {
    const client = own().client();
    await waitForReplicas(client, { ...options, waitReplicas: 1 });
    const [masterPort] = await own().masters();
    const master = new Redis({ host: '127.0.0.1', port: masterPort!, lazyConnect: true });
    const [, , replicas] = (await master.call('ROLE')) as [string, number, [string, string, string][]];
    const replica = new Redis({ host: '127.0.0.1', port: Number(replicas[0]![1]), lazyConnect: true });
    try {
      // A manual failover: the replica takes over, the old master becomes its replica; the client is not told.
      await replica.call('CLUSTER', 'FAILOVER');
      await waitFor(async () => ((await master.call('ROLE')) as string[])[0] === 'slave', 20_000, 'the failover');
      expect(client.nodes('master').map((node) => node.options.port)).toContain(masterPort);
      await waitForReplicas(client, { ...options, waitReplicas: 1 });
      expect(client.nodes('master').map((node) => node.options.port)).not.toContain(masterPort);
    } finally {
      master.disconnect();
      replica.disconnect();
    }
  });
});
