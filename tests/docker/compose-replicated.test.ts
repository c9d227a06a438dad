import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComposeStack, composeStack, ensureDockerEngine } from '../support/compose-stack.js';
import { waitFor } from '../support/wait.js';

/**
 * TOPOLOGY=replicated under Compose v2, as a user runs it: three KRaft brokers, a Redis primary with its
 * replica and three Sentinels, the four services; then the lifecycle the single topology's test goes
 * through, on this topology's own containers and volumes.
 */
describe('make up TOPOLOGY=replicated RUNTIME=docker, then its lifecycle', () => {
  let stack: ComposeStack;
  const NODES = ['kafka', 'kafka-2', 'kafka-3', 'redis', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'];
  const SERVICES = ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'];

  const publish = (body: unknown) => stack.publish(body);
  const storedOn = (service: string, user: string, text: string) =>
    waitFor(
      async () => (await stack.redisCliOf(service, 'GET', `event:${user}`)).join('\n') === text,
      60_000,
      `event:${user} on ${service}`,
    );
  const health = async (service: string) => {
    const [container] = await stack.containers(service);
    return (await stack.docker('inspect', '-f', '{{.State.Health.Status}} {{.RestartCount}}', container!)).trim();
  };

  beforeAll(async () => {
    await ensureDockerEngine();
    stack = await composeStack('replicated');
    await stack.make('up');
  }, 1_200_000);

  afterAll(async () => {
    await stack?.remove();
  }, 180_000);

  it('runs every node and service healthy, named as Compose v2 names them, the replica following', async () => {
    for (const service of [...NODES, ...SERVICES]) {
      expect(await stack.containers(service), service).toEqual([`${stack.project}-${service}-1`]);
      expect(await health(service), service).toBe('healthy 0');
    }
    const replication = (await stack.redisCliOf('redis-replica', 'INFO', 'replication')).join('\n');
    expect(replication).toContain('role:slave');
    expect(replication).toContain('master_link_status:up');
  });

  it('stores a published event on the primary and its replica', async () => {
    const text = await publish({ user_id: 'replicated-docker', action: 'signup' });
    await storedOn('redis', 'replicated-docker', text);
    await storedOn('redis-replica', 'replicated-docker', text);
  });

  it('keeps the replica’s data across `restart redis-replica` (its user, no restart loop), in sync', async () => {
    await stack.compose('restart', 'redis-replica');
    await stack.compose('wait', 'redis-replica');
    expect(await health('redis-replica')).toBe('healthy 0');
    const text = await publish({ user_id: 'after-replica-restart', action: 'x' });
    await storedOn('redis-replica', 'after-replica-restart', text);
    expect((await stack.redisCliOf('redis-replica', 'EXISTS', 'event:replicated-docker')).join('')).toBe('1');
  });

  it('leaves no container or anonymous volume after make down; make up again keeps Redis’s and the brokers’ data', {
    timeout: 600_000,
  }, async () => {
    const volumes = () => stack.anonymousVolumes();
    const danglingBefore = await volumes();
    await stack.make('down');
    expect(
      (await stack.docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${stack.project}`)).trim(),
    ).toBe('');
    expect((await volumes()).filter((v) => !danglingBefore.includes(v))).toEqual([]);
    const named = (
      await stack.docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${stack.project}`)
    ).split('\n');
    for (const volume of ['kafka-1-data', 'kafka-2-data', 'kafka-3-data', 'redis-data', 'redis-replica-data'])
      expect(named, volume).toContain(`${stack.project}_${volume}`);

    await stack.make('up');
    expect((await stack.redisCliOf('redis', 'EXISTS', 'event:replicated-docker')).join('')).toBe('1');
    const text = await publish({ user_id: 'after-replicated-down-up', action: 'x' });
    await storedOn('redis', 'after-replicated-down-up', text);
    // Every broker kept its log: the topic's partitions still have all three replicas in sync.
    const [kafka] = await stack.containers('kafka');
    const described = await stack.docker(
      'exec',
      kafka!,
      'kafka-topics.sh',
      '--bootstrap-server',
      'kafka:9092',
      '--command-config',
      '/tmp/client.properties',
      '--describe',
      '--topic',
      'events',
    );
    const isr = [...described.matchAll(/Isr: ([\d,]+)/g)].map((m) => m[1]!.split(',').length);
    expect(isr).toEqual([3, 3, 3]);
  });
});
