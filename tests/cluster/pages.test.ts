import {
  bucketKeys,
  type EventRecord,
  normalizeEvent,
  type RedisKeys,
  redisKeys,
  streamKeysInCluster,
} from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoreOptions, storeEvents } from '../../event-consumer/src/store-events.js';
import { storeEventsInCluster } from '../../event-consumer/src/store-events-cluster.js';
import { nextPageQuery, type PageQuery } from '../../event-viewer/src/events/query.js';
import {
  createClusterEventStore,
  createEventStore,
  type EventStore,
  type Page,
} from '../../event-viewer/src/events/store.js';
import { uniqueName } from '../support/kafka.js';
import { type OwnRedisCluster, startOwnRedisCluster } from '../support/own-redis-cluster.js';
import { type TestRedis, testRedis } from '../support/redis.js';

const options: StoreOptions = {
  dedupWindowMs: 86_400_000,
  maxLogLength: 0,
  maxStreamLength: 10_000,
  retentionMs: 0,
  userKeyTtlMs: 0,
  waitReplicas: 0,
  waitTimeoutMs: 1_000,
};

/** 3,000 events, five to a millisecond (page boundaries fall among equal timestamps), some non-ASCII. */
function events(): EventRecord[] {
  const base = Date.now() - 10_000;
  return Array.from({ length: 3_000 }, (_, i) => {
    const result = normalizeEvent({
      user_id: `u${i % 23}`,
      action: ['view', 'click', 'buy'][i % 3],
      timestamp: base + Math.floor(i / 5),
      payload: { n: i % 50, note: i % 97 === 0 ? 'a needle, ünïcode' : 'hay' },
    });
    if (!result.ok) throw new Error(result.rejection.message);
    return result.value;
  });
}

const chunks = (records: EventRecord[]): Accepted[][] =>
  Array.from({ length: Math.ceil(records.length / 500) }, (_, c) =>
    records.slice(c * 500, (c + 1) * 500).map((record, i) => ({
      offset: String(c * 500 + i),
      record,
      bytes: Buffer.from(record.json),
      journey: `0:${c * 500 + i}:${record.event.timestamp}`,
    })),
  );

/** Every page from `query` on, following the next cursor as the viewer's links do. */
async function walk(store: Pick<EventStore, 'page'>, query: PageQuery, maxBytes: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let q: PageQuery | undefined = query; q; ) {
    const page = await store.page(q, { scanMax: 700, maxBytes, withStreamId: false });
    pages.push(page);
    q = nextPageQuery(q, page.scanned, page.exhausted);
  }
  return pages;
}

/** The viewer's reads against one Redis and against the cluster topology's buckets: the same answers. */
describe('pages on a Redis Cluster and on one Redis, from the same events', () => {
  let own: OwnRedisCluster;
  let single: TestRedis;
  let onOne: ReturnType<typeof createEventStore>;
  let onCluster: ReturnType<typeof createClusterEventStore>;
  let cluster: Cluster;
  let clusterKeys: RedisKeys;
  const stored = events();

  beforeAll(async () => {
    own = await startOwnRedisCluster();
    single = testRedis('pages-single');
    cluster = own.client();
    clusterKeys = redisKeys(`${uniqueName('pages')}:`);
    const buckets = bucketKeys(clusterKeys, 12);
    const singleKeys = redisKeys(single.prefix);
    for (const chunk of chunks(stored)) {
      await storeEvents(single.redis, singleKeys, chunk, options);
      await storeEventsInCluster(cluster, clusterKeys, buckets, chunk, options);
    }
    onOne = createEventStore(single.redis, singleKeys);
    onCluster = createClusterEventStore(cluster, clusterKeys, buckets);
  }, 120_000);
  afterAll(async () => {
    await single?.close();
    await own?.remove();
  });

  const middle = () => stored[1_502]!.event.timestamp;
  const cases: [string, () => PageQuery, number][] = [
    ['the whole log, 50 at a time', () => ({ limit: 50, skip: 0 }), 1_000_000],
    ['from a time, 120 at a time', () => ({ limit: 120, skip: 0, before: middle() }), 1_000_000],
    ['from among equal timestamps (a skip)', () => ({ limit: 40, skip: 3, before: middle() }), 1_000_000],
    ['pages cut at 4 KiB', () => ({ limit: 100, skip: 0 }), 4_096],
    // Skips past LEAP_SKIP: passed over by counting per bucket, then merged from there.
    ['a large skip from a time', () => ({ limit: 30, skip: 1_234, before: middle() }), 1_000_000],
    ['a large skip from the newest, to the end', () => ({ limit: 25, skip: 2_990 }), 1_000_000],
    ['a skip past the end (nothing)', () => ({ limit: 10, skip: 4_000 }), 1_000_000],
    ["a large skip and one user's events", () => ({ limit: 20, skip: 1_100, userId: 'u5' }), 1_000_000],
    ["one user's events", () => ({ limit: 25, skip: 0, userId: 'u7' }), 1_000_000],
    ['an action', () => ({ limit: 60, skip: 0, action: 'buy' }), 1_000_000],
    ['a text search', () => ({ limit: 10, skip: 0, text: 'needle' }), 1_000_000],
    ['a where condition, from a time', () => ({ limit: 30, skip: 0, where: 'payload.n=7', before: middle() }), 8_192],
  ];

  it.each(cases)('gives the same pages for %s, to the end', { timeout: 60_000 }, async (_name, query, maxBytes) => {
    const [one, cluster] = [await walk(onOne, query(), maxBytes), await walk(onCluster, query(), maxBytes)];
    expect(cluster).toEqual(one);
    // Every walk shows events but the one that starts past the end.
    expect(one.flatMap((p) => p.events).length > 0).toBe(!_name.includes('past the end'));
  });

  it('gives the newest page the same journeys, and its stream’s head for the live feed to go on from', async () => {
    const streamOf = async (store: 'one' | 'cluster') =>
      store === 'one'
        ? await single.redis.xrevrange(redisKeys(single.prefix).eventStream, '+', '-', 'COUNT', 1)
        : await cluster.xrevrange(streamKeysInCluster(clusterKeys).stream, '+', '-', 'COUNT', 1);
    // When each copy stored an event is its own: the rest of a journey is the record's.
    const withoutStoredAt = (page: Page) =>
      page.events.map(({ journey, ...e }) => ({ ...e, record: journey && { ...journey, storedAt: 0 } }));
    for (const query of [
      { limit: 50, skip: 0 },
      { limit: 20, skip: 0, userId: 'u3' },
    ]) {
      const budget = { scanMax: 700, maxBytes: 1_000_000, withStreamId: true };
      const [one, two] = [await onOne.page(query, budget), await onCluster.page(query, budget)];
      expect(withoutStoredAt(two)).toEqual(withoutStoredAt(one));
      expect(two.streamId).toBe((await streamOf('cluster'))[0]![0]);
      expect(one.streamId).toBe((await streamOf('one'))[0]![0]);
    }
    // Journeys on the unfiltered newest page (as on one node), none on a filtered one.
    const newest = await onCluster.page({ limit: 50, skip: 0 }, { scanMax: 700, maxBytes: 1e6, withStreamId: true });
    expect(newest.events.every((e) => e.journey !== undefined)).toBe(true);
  });

  it('gives the same rates and the same latest event of each user', async () => {
    const now = stored.at(-1)!.event.timestamp + 1;
    expect(await onCluster.rate(now, 20_000, 1_000)).toEqual(await onOne.rate(now, 20_000, 1_000));
    expect((await onOne.rate(now, 20_000, 1_000)).reduce((sum, b) => sum + b.count, 0)).toBe(3_000);
    for (const user of ['u0', 'u7', 'u22', 'nobody'])
      expect(await onCluster.latestOf(user)).toBe(await onOne.latestOf(user));
  });
});
