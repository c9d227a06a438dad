import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComposeStack, composeStack, ensureDockerEngine } from '../support/compose-stack.js';
import { waitFor } from '../support/wait.js';

/**
 * TOPOLOGY=cluster under Compose v2, as a user runs it: three KRaft brokers, a Redis Cluster of six nodes created
 * by redis-cluster-init, the four services; a published event stored and shown; the cluster whole again after
 * `make down` and `make up`, with its data.
 */
describe('make up TOPOLOGY=cluster RUNTIME=docker', () => {
  let stack: ComposeStack;
  const NODES = ['redis', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];
  const SERVICES = ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'];

  const health = async (service: string) => {
    const [container] = await stack.containers(service);
    return (await stack.docker('inspect', '-f', '{{.State.Health.Status}} {{.RestartCount}}', container!)).trim();
  };
  /** The nodes' addresses on the stack's network, as the cluster announces them. */
  const addresses = async () =>
    Promise.all(
      NODES.map(async (node) => {
        const [container] = await stack.containers(node);
        const format = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}';
        return (await stack.docker('inspect', '-f', format, container!)).trim();
      }),
    );
  /** `redis-cli --cluster check` inside node 1's container: throws unless the cluster is healthy. */
  const check = async () => {
    const [container] = await stack.containers('redis');
    const [first] = await addresses();
    return stack.docker('exec', container!, 'redis-cli', '--cluster', 'check', `${first}:6379`);
  };
  const userKey = (user: string) => stack.redisCliOf('redis', '-c', 'GET', `event:${user}`);
  const shown = (user: string, eventId: string) =>
    waitFor(
      async () =>
        (
          await (await fetch(`${stack.viewerUrl}/events/${user}`, { headers: { accept: 'application/json' } })).text()
        ).includes(eventId),
      60_000,
      `${user}'s event in the viewer`,
    );

  beforeAll(async () => {
    await ensureDockerEngine();
    stack = await composeStack('cluster');
    await stack.make('up');
  }, 1_200_000);

  afterAll(async () => {
    await stack?.remove();
  }, 180_000);

  it('runs six Redis nodes, the brokers and the services healthy; redis-cli --cluster check passes', async () => {
    for (const service of [...NODES, 'kafka', 'kafka-2', 'kafka-3', ...SERVICES]) {
      expect(await stack.containers(service), service).toEqual([`${stack.project}-${service}-1`]);
      expect(await health(service), service).toBe('healthy 0');
    }
    const [init] = await stack.containers('redis-cluster-init');
    expect((await stack.docker('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', init!)).trim()).toBe(
      'exited 0',
    );
    const report = await check();
    expect(report).toContain('[OK] All 16384 slots covered.');
    expect(report.match(/^M: /gm)?.length).toBe(3);
    expect(report.match(/^S: /gm)?.length).toBe(3);
  });

  it('stores a published event and shows it; a client on the host reaches every node the cluster names', async () => {
    const text = await stack.publish({ user_id: 'cluster-docker', action: 'signup' });
    const { event_id } = JSON.parse(text) as { event_id: string };
    await waitFor(async () => (await userKey('cluster-docker')).join('\n').includes(event_id), 60_000, 'the user key');
    await shown('cluster-docker', event_id);
    // make redis-cli follows the cluster's redirections, wherever the key's slot lives.
    expect(await stack.make('redis-cli', 'REDIS_CLI_ARGS=GET event:cluster-docker')).toContain(event_id);
    // What MOVED and CLUSTER SLOTS name is reachable from here: the nodes' fixed addresses on the bridge.
    const client = new Cluster([{ host: (await addresses())[0]!, port: 6379 }], {
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    try {
      expect(await client.get('event:cluster-docker')).toContain(event_id);
      expect(client.nodes('master')).toHaveLength(3);
    } finally {
      client.disconnect();
    }
  });

  it('is whole again after make down and make up, with its data, and goes on storing', {
    timeout: 900_000,
  }, async () => {
    await stack.make('down');
    await stack.make('up');
    expect(await check()).toContain('[OK] All 16384 slots covered.');
    expect((await userKey('cluster-docker')).join('\n')).toContain('signup');
    const [init] = await stack.containers('redis-cluster-init');
    expect(await stack.docker('logs', init!)).not.toContain('creating a cluster');
    const text = await stack.publish({ user_id: 'after-cluster-down-up', action: 'x' });
    const { event_id } = JSON.parse(text) as { event_id: string };
    await shown('after-cluster-down-up', event_id);
  });
});
