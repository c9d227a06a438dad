import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestTopics, uniqueName } from '../support/kafka.js';
import { followLive } from '../support/live-feed.js';
import { useOwnRedisCluster } from '../support/own-redis-cluster.js';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

interface Shown {
  event_id: string;
  user_id: string;
}

/** The cluster topology end to end: publish → Kafka → consumer → Redis Cluster → viewer, its live feed too. */
describe('the pipeline on a Redis Cluster', () => {
  const own = useOwnRedisCluster();

  it('shows what was published, newest first, each event once, and follows new events live', {
    timeout: 180_000,
  }, async () => {
    const topics = await createTestTopics('cluster-flow');
    onTestFinished(() => topics.remove());
    const env = {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: `${uniqueName('flow')}:`,
      REDIS_CLUSTER_NODES: own().nodes.join(','),
    };
    const services: ServiceProcess[] = [
      startServiceProcess('event-generator', env),
      startServiceProcess('event-consumer', { ...env, REDIS_WAIT_REPLICAS: '1' }),
      startServiceProcess('event-viewer', env),
    ];
    onTestFinished(async () => void (await Promise.all(services.map((s) => s.stop('SIGKILL')))));
    const [generator, , viewer] = await Promise.all(services.map((s) => s.ready(60_000)));

    const publish = async (users: string[]) => {
      const res = await fetch(`${generator}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(users.map((user_id, i) => ({ user_id, action: 'flow', payload: { i } }))),
      });
      expect(res.status).toBe(202);
      return (await res.json()) as Shown[];
    };
    const shown = async (path: string) => {
      const res = await fetch(`${viewer}${path}`, { headers: { accept: 'application/json' } });
      return res.status === 200 ? ((await res.json()) as Shown[]) : [];
    };

    const sent: Shown[] = [];
    for (let round = 0; round < 5; round++)
      sent.push(...(await publish(Array.from({ length: 60 }, (_, i) => `u${i % 7}`))));
    await waitFor(async () => (await shown('/events?limit=500')).length === 300, 60_000, '300 events shown');
    const page = await shown('/events?limit=500');
    expect(new Set(page.map((e) => e.event_id)).size).toBe(300);
    expect(page.map((e) => e.event_id).sort()).toEqual(sent.map((e) => e.event_id).sort());
    // A user's page: the event in their key, the last they published.
    const latest = (await shown('/events/u3')) as unknown as Shown;
    expect(latest.event_id).toBe(sent.filter((e) => e.user_id === 'u3').at(-1)!.event_id);

    // A live page opened now gets what is published next.
    const feed = await followLive(`${viewer}/live`);
    expect(feed.status).toBe(200);
    const [late] = await publish(['late-user']);
    await waitFor(async () => feed.received().includes(late!.event_id), 30_000, 'the late event on the live feed');

    // The status page's Redis: the masters summed (sampled every STATUS_SAMPLE_MS, the first maybe before the
    // cluster answered).
    const redisSection = async () => {
      const html = await (await fetch(`${viewer}/status`)).text();
      return html.slice(html.indexOf('<section id="redis">'), html.indexOf('<section id="kafka">'));
    };
    await waitFor(async () => (await redisSection()).includes('cluster of 3 masters'), 20_000, 'Redis on /status');
    expect(await redisSection()).toMatch(/replica 127\.0\.0\.1:\d+: online/);
  });
});
