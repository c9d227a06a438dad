import { claimsKeyInCluster, redisKeys } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../../tests/support/kafka.js';
import { useOwnRedisCluster } from '../../tests/support/own-redis-cluster.js';
import { generatorForTest, topicsForTest } from './helpers.js';

async function post(url: string, body: unknown, key: string) {
  const res = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as never };
}

/** The generator in the cluster topology: client-chosen ids claimed in the cluster, all or nothing. */
describe('POST /publish with an Idempotency-Key on a Redis Cluster', () => {
  const own = useOwnRedisCluster();

  it('refuses a key reused with another body across two generators, replays the same body, and claims in one slot', {
    timeout: 60_000,
  }, async () => {
    const topics = await topicsForTest('idem-cluster');
    const prefix = `${uniqueName('idem-cluster')}:`;
    const shared = { KAFKA_TOPIC: topics.events, REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_NODES: own().nodes.join(',') };
    const [a, b] = [await generatorForTest(shared), await generatorForTest(shared)];

    const first = await post(a.url, [{ user_id: 'c1' }, { user_id: 'c2' }, { user_id: 'c3' }], 'K');
    expect(first.status).toBe(202);
    const other = await post(b.url, [{ user_id: 'c1' }, { user_id: 'c2' }, { user_id: 'changed' }], 'K');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    const again = await post(b.url, [{ user_id: 'c1' }, { user_id: 'c2' }, { user_id: 'c3' }], 'K');
    expect(again).toMatchObject({ status: 202, replayed: 'true' });
    const ids = (r: typeof first) => (r.body as { event_id: string }[]).map((e) => e.event_id);
    expect(ids(again)).toEqual(ids(first));

    const cluster = own().client();
    const meta = claimsKeyInCluster(redisKeys(prefix));
    expect(Object.values(await cluster.hgetall(meta)).length).toBeGreaterThan(0);
  });
});
