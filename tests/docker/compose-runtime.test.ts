import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeups } from '../../scripts/launcher/process-state.ts';
import { type ComposeStack, composeStack, ensureDockerEngine } from '../support/compose-stack.js';
import { startPublishLoad } from '../support/publish-load.js';
import { expectSteady, waitFor } from '../support/wait.js';

/**
 * RUNTIME=docker for real: images built (with stand-in base images where the official ones cannot be
 * pulled), the stack started by `make up`, and driven as the README says — make targets, the seed's
 * `docker exec` commands, HTTP — with the same assertions as the local runtime's full-flow test.
 */
describe('make up RUNTIME=docker, then the seed’s commands', () => {
  let stack: ComposeStack;

  const publish = (body: unknown) => stack.publish(body);
  const eventLog = () => stack.redisCli('ZRANGE', 'event_log', '0', '-1');
  const countWhere = async (match: (event: { source?: string; user_id: string }) => boolean) =>
    (await eventLog()).filter((m) => match(JSON.parse(m) as { source?: string; user_id: string })).length;
  /** Every acknowledged JSON text is a member, and no event_id is in the log twice. */
  const expectStoredOnce = async (acknowledged: string[], timeoutMs = 90_000) => {
    let missing = acknowledged.length;
    await waitFor(
      async () => {
        const members = new Set(await eventLog());
        missing = acknowledged.filter((json) => !members.has(json)).length;
        return missing === 0;
      },
      timeoutMs,
      'every acknowledged event in event_log',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${missing} of ${acknowledged.length} missing`);
    });
    const ids = (await eventLog()).map((m) => (JSON.parse(m) as { event_id: string }).event_id);
    expect(ids.length - new Set(ids).size, 'event_ids stored more than once').toBe(0);
  };
  const consumerMetric = async (container: string, name: string) => {
    const script =
      `fetch('http://127.0.0.1:'+(process.env.PORT||8083)+'/metrics')` +
      '.then(r=>r.text()).then(t=>process.stdout.write(t))';
    const text = await stack.docker('exec', container, 'node', '-e', script);
    return Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  };
  const consumerReady = async (container: string) => {
    const script =
      `fetch('http://127.0.0.1:'+(process.env.PORT||8083)+'/readyz')` +
      '.then(r=>process.exit(r.ok?0:1),()=>process.exit(1))';
    return stack.docker('exec', container, 'node', '-e', script).then(
      () => true,
      () => false,
    );
  };

  beforeAll(async () => {
    await ensureDockerEngine();
    stack = await composeStack();
    await stack.make('up');
  }, 1_200_000);

  it('runs Compose v2 — the version tools/compose/go.mod pins — through make and scripts/compose.sh', async () => {
    const pinned = (await stack.run('bash', 'scripts/compose-v2.sh', 'version')).trim();
    const version = (await stack.compose('version')).trim();
    process.stdout.write(`docker tests: ${version}\n`);
    expect(version).toBe(`Docker Compose version ${pinned}`);
    expect(pinned).toMatch(/^v5\./);
  });

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  it('stores a published event, readable with make redis-cli, docker exec, the viewer in HTML and JSON', async () => {
    const text = await publish({ user_id: 'docker-user', action: 'signup' });
    const event = JSON.parse(text) as { event_id: string };
    await waitFor(
      async () => (await stack.make('redis-cli', 'REDIS_CLI_ARGS=GET event:docker-user')).trim() === text,
      30_000,
      'GET event:docker-user',
    );
    expect((await stack.make('redis-cli', 'REDIS_CLI_ARGS=ZREVRANGE event_log 0 9')).split('\n')).toContain(text);

    // The seed's command, with the container name Compose v2 gives (eventstreamapp-redis-1).
    const [redis] = await stack.containers('redis');
    expect(redis).toBe(`${stack.project}-redis-1`);
    expect((await stack.docker('exec', redis!, 'redis-cli', 'ZREVRANGE', 'event_log', '0', '9')).split('\n')).toContain(
      text,
    );

    const html = await (await fetch(`${stack.viewerUrl}/events`)).text();
    expect(html).toContain(event.event_id);
    const json = (await (
      await fetch(`${stack.viewerUrl}/events`, { headers: { accept: 'application/json' } })
    ).json()) as {
      event_id: string;
    }[];
    expect(json.map((e) => e.event_id)).toContain(event.event_id);
    expect(
      await (await fetch(`${stack.viewerUrl}/events/docker-user`, { headers: { accept: 'application/json' } })).text(),
    ).toBe(text);

    // The viewer reads Kafka itself inside the compose network: the group, its partitions, the broker.
    const status = await waitFor(
      async () => {
        const s = (await (
          await fetch(`${stack.viewerUrl}/status`, { headers: { accept: 'application/json' } })
        ).json()) as {
          group: { members: unknown[] } | null;
          partitions: unknown[] | null;
          kafka: { brokers: unknown[] } | null;
        };
        return (s.group?.members.length ?? 0) > 0 && s;
      },
      30_000,
      'the status page seeing the consumer group',
    );
    expect(status.partitions).toHaveLength(3);
    expect(status.kafka?.brokers).toHaveLength(1);
  });

  it('each service’s container, idle but for the automatic generator, wakes at most 20 times a second', async () => {
    // The node process under each container's init, seen from the host: patches/ reached the image.
    const wakeupsOf = async (service: string) => {
      const [container] = await stack.containers(service);
      const init = (await stack.docker('inspect', '-f', '{{.State.Pid}}', container!)).trim();
      return wakeups(Number(execFileSync('pgrep', ['-P', init], { encoding: 'utf8' }).trim()));
    };
    const services = ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'];
    const before = await Promise.all(services.map(wakeupsOf));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const after = await Promise.all(services.map(wakeupsOf));
    const rates = Object.fromEntries(services.map((s, i) => [s, (after[i]! - before[i]!) / 5]));
    for (const service of services) expect(rates[service], JSON.stringify(rates)).toBeLessThanOrEqual(20);
  });

  it('stops, starts and restarts the automatic generator with make, and make status says so', {
    timeout: 180_000,
  }, async () => {
    const automatic = () => countWhere((e) => e.source === 'automatic-generator');
    expect((await stack.make('status')).trim()).toBe('automatic-generator: running');
    await waitFor(async () => (await automatic()) > 0, 30_000, 'an automatic event');
    expect(await stack.make('logs-generator')).toContain('"service":"automatic-generator"');

    await stack.make('stop-generator');
    expect((await stack.make('status')).trim()).toBe('automatic-generator: stopped');
    const afterStop = await automatic();
    // Stopped means no new events: the count holds for longer than the 2 s interval.
    await expectSteady(automatic, 3_000, 'the automatic events');

    await stack.make('start-generator');
    expect((await stack.make('status')).trim()).toBe('automatic-generator: running');
    await waitFor(async () => (await automatic()) > afterStop, 15_000, 'automatic events again');

    await stack.make('restart-generator');
    expect((await stack.make('status')).trim()).toBe('automatic-generator: running');
    const afterRestart = await automatic();
    await waitFor(async () => (await automatic()) > afterRestart, 15_000, 'automatic events after a restart');
  });

  it('prints the topic from the start with make kafka-consume and the seed’s console consumer; dlq-replay runs', {
    timeout: 180_000,
  }, async () => {
    // The console consumer ends after 5 s without a new record, so the generator must be quiet.
    await stack.make('stop-generator');
    const consumed = await stack.make('kafka-consume', 'KAFKA_CONSUME_ARGS=--timeout-ms 5000');
    expect(consumed).toMatch(/docker-user\t\{"event_id":"[0-9a-f-]{36}","user_id":"docker-user"/);
    const [kafka] = await stack.containers('kafka');
    const seed = await stack.docker(
      'exec',
      kafka!,
      'kafka-console-consumer.sh',
      '--bootstrap-server',
      'kafka:9092',
      '--topic',
      'events',
      '--from-beginning',
      '--max-messages',
      '1',
    );
    expect(seed).toMatch(/^\{"event_id":"[0-9a-f-]{36}"/m);
    // The replay in a one-off consumer container, with the consumer's environment: nothing to replay here.
    const replay = await stack.make('dlq-replay', 'DLQ_REPLAY_ARGS=--dry-run');
    expect(replay).toContain('events.dlq read: 0 dead letters');
    expect(replay).toContain('would replay: 0');
    await stack.make('start-generator');
  });

  it('shares the partitions among three consumers with --scale event-consumer=3, each storing, every event once', {
    timeout: 240_000,
  }, async () => {
    await stack.compose('up', '-d', '--scale', 'event-consumer=3');
    const consumers = await stack.containers('event-consumer');
    expect(consumers).toHaveLength(3);
    await stack.compose('wait', 'event-consumer');
    for (const c of consumers) await waitFor(() => consumerReady(c), 60_000, `${c} in the group`);
    const before = await Promise.all(consumers.map((c) => consumerMetric(c, 'events_stored_total')));

    const acknowledged: string[] = [];
    for (let batch = 0; batch < 30; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => ({
        user_id: `scale-u${(batch * 100 + i) % 97}`,
        action: 'scale',
        i,
      }));
      acknowledged.push(...(JSON.parse(await publish(events)) as unknown[]).map((e) => JSON.stringify(e)));
    }
    await expectStoredOnce(acknowledged);
    const after = await Promise.all(consumers.map((c) => consumerMetric(c, 'events_stored_total')));
    for (const [i, c] of consumers.entries()) expect(after[i]! - before[i]!, `${c} stored some`).toBeGreaterThan(0);
  });

  it('restarts a consumer killed with SIGKILL under load, by its restart policy, and loses nothing acknowledged', {
    timeout: 180_000,
  }, async () => {
    const [victim] = await stack.containers('event-consumer');
    const load = startPublishLoad(`${stack.generatorUrl}/publish`, 100, 'docker-kill');
    await waitFor(async () => load.acknowledged().length > 200, 20_000, 'load running');
    // `docker kill` counts as a deliberate stop, which restart policies respect; a crash is the
    // process dying inside its container, as here.
    const init = (await stack.docker('inspect', '-f', '{{.State.Pid}}', victim!)).trim();
    execFileSync('pkill', ['-KILL', '-P', init]);
    await waitFor(
      async () => Number((await stack.docker('inspect', '-f', '{{.RestartCount}}', victim!)).trim()) >= 1,
      30_000,
      'the restart policy restarting it',
    );
    await stack.compose('wait', 'event-consumer');
    const outcomes = await load.stop();
    expect(outcomes.filter((o) => o.status !== 202)).toEqual([]);
    await expectStoredOnce(load.acknowledged());
  });

  it('keeps event_log across `restart redis` (own user, own volume, append-only), stores new events', async () => {
    const before = await eventLog();
    expect(before.length).toBeGreaterThan(3_000);
    await stack.compose('restart', 'redis');
    await stack.compose('wait', 'redis');
    const [redis] = await stack.containers('redis');
    // A second start is where the official image's chown of /data met the appendonlydir it had made.
    expect(Number((await stack.docker('inspect', '-f', '{{.RestartCount}}', redis!)).trim())).toBe(0);
    const after = new Set(await eventLog());
    expect(before.filter((m) => !after.has(m))).toEqual([]);
    await expectStoredOnce([await publish({ user_id: 'after-redis-restart', action: 'x' })]);
  });

  /** The records Kafka holds in `events` (its partitions' end offsets summed), as the viewer's /status reads them. */
  const recordsInKafka = async () => {
    const status = (await (
      await fetch(`${stack.viewerUrl}/status`, { headers: { accept: 'application/json' } })
    ).json()) as {
      partitions: { high: number }[] | null;
    };
    return status.partitions?.reduce((sum, p) => sum + p.high, 0) ?? 0;
  };
  let recordsBeforeDown = 0;

  it('refuses `make up CREDENTIALS=on` over the plaintext stack at once, naming the way out; it keeps serving', {
    timeout: 180_000,
  }, async () => {
    const started = Date.now();
    const refusal = await stack.make('up', 'CREDENTIALS=on').then(
      (out) => `unexpectedly succeeded:\n${out}`,
      (err: Error) => err.message,
    );
    expect(refusal).toContain('kafka: cannot start on this volume: its storage was formatted without SCRAM users');
    expect(refusal).toContain('make infra-wipe RUNTIME=docker');
    expect(Date.now() - started).toBeLessThan(90_000);
    await expectStoredOnce([await publish({ user_id: 'after-refusal', action: 'x' })]);

    // What Kafka holds is read here, while it serves: from now until `make down` the broker refuses to start.
    recordsBeforeDown = await waitFor(recordsInKafka, 30_000, 'the end offsets on /status');

    // Plain `docker compose up` has no such check: the broker itself refuses, stays up unhealthy and says
    // why in its health log, instead of hanging on a storage without its users or looping on restarts.
    const withCredentials =
      'set -a; eval "$(infra/credentials.sh env)"; set +a; exec scripts/compose.sh plain up -d --no-deps kafka';
    await stack.run('bash', '-c', withCredentials);
    const [kafka] = await stack.containers('kafka');
    await waitFor(
      async () =>
        (await stack.docker('inspect', '-f', '{{range .State.Health.Log}}{{.Output}}{{end}}', kafka!)).includes(
          'kafka: refusing to start: its storage was formatted without SCRAM users',
        ),
      60_000,
      'the broker naming its refusal in its health log',
    );
    expect((await stack.docker('inspect', '-f', '{{.State.Status}} {{.RestartCount}}', kafka!)).trim()).toBe(
      'running 0',
    );
  });

  it('leaves no container and no anonymous volume after make down, and frees its ports', async () => {
    const volumes = () => stack.anonymousVolumes();
    const danglingBefore = await volumes();
    await stack.make('down');
    const left = await stack.docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${stack.project}`);
    expect(left.trim()).toBe('');
    expect((await volumes()).filter((v) => !danglingBefore.includes(v))).toEqual([]);
    await expect(fetch(`${stack.generatorUrl}/healthz`)).rejects.toThrow();
    await expect(fetch(`${stack.viewerUrl}/healthz`)).rejects.toThrow();
  });

  it('comes back with make up after make down, its events still in Redis and Kafka (named volumes), storing more', {
    timeout: 300_000,
  }, async () => {
    await stack.make('up');
    const log = await eventLog();
    expect(log.length).toBeGreaterThan(3_000);
    await expectStoredOnce([await publish({ user_id: 'after-down-up', action: 'x' })]);
    expect(recordsBeforeDown).toBeGreaterThan(3_000);
    await waitFor(
      async () => (await recordsInKafka()) > recordsBeforeDown,
      30_000,
      'Kafka holding what it held before make down',
    );
  });

  it('CREDENTIALS=on after infra-wipe: publishes, stores, shows; wrong or no password refused', {
    timeout: 300_000,
  }, async () => {
    await stack.make('infra-wipe');
    await stack.make('up', 'CREDENTIALS=on');
    const text = await publish({ user_id: 'with-credentials', action: 'login' });
    const [redis] = await stack.containers('redis');
    const password = /^REDIS_PASSWORD=(.+)$/m.exec(await stack.run('bash', 'infra/credentials.sh', 'env'))?.[1];
    expect(password).toBeTruthy();
    await waitFor(
      async () =>
        (
          await stack.docker(
            'exec',
            '-e',
            `REDISCLI_AUTH=${password}`,
            redis!,
            'redis-cli',
            'GET',
            'event:with-credentials',
          )
        ).trim() === text,
      30_000,
      'the event stored with credentials',
    );
    expect(
      await (
        await fetch(`${stack.viewerUrl}/events/with-credentials`, { headers: { accept: 'application/json' } })
      ).text(),
    ).toBe(text);
    expect(await stack.docker('exec', redis!, 'redis-cli', 'GET', 'event:with-credentials')).toContain('NOAUTH');

    const [consumer] = await stack.containers('event-consumer');
    const login = (password: string) =>
      `const { Kafka, logLevel } = require('kafkajs');
       const admin = new Kafka({ brokers: ['kafka:9092'], logLevel: logLevel.NOTHING, retry: { retries: 0 },
         sasl: { mechanism: 'scram-sha-512', username: process.env.KAFKA_SASL_USERNAME,
           password: ${JSON.stringify(password)} || process.env.KAFKA_SASL_PASSWORD } }).admin();
       admin.connect().then(() => admin.listTopics()).then((t) => { console.log('listed', t.length); process.exit(0); },
         (e) => { console.log(e.type || e.name, e.message); process.exit(1); });`;
    expect(await stack.docker('exec', consumer!, 'node', '-e', login(''))).toContain('listed');
    const wrong = await stack.docker('exec', consumer!, 'node', '-e', login('wrong-password')).then(
      (out) => `logged in: ${out}`,
      (err: Error) => err.message,
    );
    expect(wrong).toMatch(/SASL_AUTHENTICATION_FAILED|authentication failed/i);
  });
});
