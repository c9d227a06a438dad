import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/launcher/process-state.ts';
import { REPO_ROOT } from '../support/paths.js';
import { expectSteady, freePort, waitFor } from '../support/wait.js';

const exec = promisify(execFile);

/**
 * The system driven only through its public surface, as a user would: make, HTTP, Redis,
 * Kafka's console consumer. A whole second stack (own Kafka, Redis and ports, own state
 * folder) so it neither disturbs nor depends on the other tests' infrastructure.
 */
describe('make up RUNTIME=local, then the seed’s commands', () => {
  const localDir = mkdtempSync(join(tmpdir(), 'eventstreamapp-flow-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOCAL_DIR: localDir,
    KAFKA_LIB_DIR: join(REPO_ROOT, '.local/kafka-lib/4.4.0'),
    // A consumer restarted after a crash waits for the old member's session to expire: keep it short here.
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    RETRY_MAX_BACKOFF_MS: '2000',
  };
  let redis: Redis;
  let publishUrl: string;
  let viewerUrl: string;

  const make = async (...args: string[]) => {
    const { stdout, stderr } = await exec('make', ['--no-print-directory', ...args, 'RUNTIME=local'], {
      cwd: REPO_ROOT,
      env,
      timeout: 240_000,
    });
    return `${stdout}${stderr}`;
  };
  const sourceCount = async (source: string) =>
    (await redis.zrange('event_log', 0, -1)).filter((m) => (JSON.parse(m) as { source?: string }).source === source)
      .length;
  const state = (service: string) =>
    JSON.parse(readFileSync(join(localDir, 'run', `${service}.json`), 'utf8')) as {
      childPid: number;
      restarts: number;
    };

  beforeAll(async () => {
    for (const name of [
      'KAFKA_PORT',
      'KAFKA_CONTROLLER_PORT',
      'REDIS_PORT',
      'GENERATOR_PORT',
      'VIEWER_PORT',
      'AUTOGEN_PORT',
      'CONSUMER_PORT',
    ]) {
      env[name] = String(await freePort());
    }
    publishUrl = `http://127.0.0.1:${env.GENERATOR_PORT}/publish`;
    viewerUrl = `http://127.0.0.1:${env.VIEWER_PORT}/events`;
    await make('up');
    redis = new Redis(Number(env.REDIS_PORT), '127.0.0.1', { maxRetriesPerRequest: 2 });
    redis.on('error', () => {});
  }, 300_000);

  afterAll(async () => {
    redis?.disconnect();
    await make('down').catch(() => undefined);
    rmSync(localDir, { recursive: true, force: true });
  }, 120_000);

  it('stores a published event in Redis and shows it in HTML and JSON', async () => {
    const res = await fetch(publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'flow-user', action: 'signup' }),
    });
    expect(res.status).toBe(202);
    const text = await res.text();
    const event = JSON.parse(text) as { event_id: string };
    await waitFor(async () => (await redis.get('event:flow-user')) === text, 20_000, 'GET event:flow-user');
    expect(await redis.zrange('event_log', 0, -1)).toContain(text);
    expect((await make('redis-cli', 'REDIS_CLI_ARGS=GET event:flow-user')).trim()).toBe(text);

    const html = await (await fetch(viewerUrl)).text();
    expect(html).toContain(event.event_id);
    const json = (await (await fetch(viewerUrl, { headers: { accept: 'application/json' } })).json()) as {
      event_id: string;
    }[];
    expect(json.map((e) => e.event_id)).toContain(event.event_id);
    const user = await fetch(`${viewerUrl}/flow-user`, { headers: { accept: 'application/json' } });
    expect(await user.text()).toBe(text);
  });

  it('stops and starts the automatic generator, and make status says so', async () => {
    expect((await make('status')).trim()).toBe('automatic-generator: running');
    // Without RUNTIME, make follows the runtime that is up, even where a Docker engine answers.
    const { stdout } = await exec('scripts/compose.sh', ['runtime'], { cwd: REPO_ROOT, env });
    expect(stdout).toMatch(/^local: the local runtime is up/);
    await waitFor(async () => (await sourceCount('automatic-generator')) > 0, 15_000, 'an automatic event');

    await make('stop-generator');
    expect((await make('status')).trim()).toBe('automatic-generator: stopped');
    // Stopped means no new events: the count holds for longer than the 2 s interval.
    await expectSteady(() => sourceCount('automatic-generator'), 3_000, 'the automatic events');
    const afterStop = await sourceCount('automatic-generator');

    await make('start-generator');
    expect((await make('status')).trim()).toBe('automatic-generator: running');
    await waitFor(
      async () => (await sourceCount('automatic-generator')) >= afterStop + 2,
      10_000,
      'two events ~2 s apart',
    );
  });

  it('restarts a service that dies, with a backoff, and make ps counts the restarts', async () => {
    const before = state('event-consumer');
    process.kill(before.childPid, 'SIGKILL');
    await waitFor(
      async () => state('event-consumer').restarts === 1 && isAlive(state('event-consumer').childPid),
      20_000,
      'a restart',
    );
    await waitFor(
      async () => (await make('ps')).includes('1 restart), ready'),
      60_000,
      'make ps showing the restart and readiness',
    );
    const res = await fetch(publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_id":"after-crash"}',
    });
    const text = await res.text();
    await waitFor(
      async () => (await redis.get('event:after-crash')) === text,
      20_000,
      'stored by the restarted consumer',
    );
  });

  it('shows the events with make kafka-consume', async () => {
    // The console consumer exits after 4 s without a new record, so the generator must be quiet.
    await make('stop-generator');
    const output = await make('kafka-consume', 'KAFKA_CONSUME_ARGS=--timeout-ms 4000');
    expect(output).toMatch(/flow-user\t\{"event_id":"[0-9a-f-]{36}","user_id":"flow-user"/);
    expect(output).toContain('"source":"automatic-generator"');
  });

  it('stops a service whose supervisor was killed, and make up names whatever holds a service port', async () => {
    const supervisor = Number(readFileSync(join(localDir, 'run', 'event-viewer.pid'), 'utf8'));
    const viewer = state('event-viewer').childPid;
    process.kill(supervisor, 'SIGKILL');
    // Its IPC channel to the supervisor closed: the viewer stops by itself instead of running on unseen.
    await waitFor(async () => !isAlive(viewer), 15_000, 'the orphaned viewer to stop');
    const squatter = createServer().listen(Number(env.VIEWER_PORT), '127.0.0.1');
    await once(squatter, 'listening');
    const refused = await make('up').then(
      () => 'make up succeeded',
      (err: { stdout?: string; stderr?: string }) => `${err.stdout}${err.stderr}`,
    );
    squatter.close();
    await once(squatter, 'close');
    expect(refused).toContain(`event-viewer: port ${env.VIEWER_PORT} is held by pid ${process.pid} `);
    await make('up');
    expect((await fetch(viewerUrl)).status).toBe(200);
  });

  it('leaves nothing running after make down', async () => {
    await make('start-generator');
    const services = ['event-generator', 'event-viewer', 'event-consumer', 'automatic-generator'];
    const pids = services.flatMap((s) => [
      Number(readFileSync(join(localDir, 'run', `${s}.pid`), 'utf8')),
      state(s).childPid,
    ]);
    pids.push(Number(readFileSync(join(localDir, 'kafka', 'kafka.pid'), 'utf8')));
    // A supervisor killed just before: make down still stops its service, by its process group.
    process.kill(Number(readFileSync(join(localDir, 'run', 'event-consumer.pid'), 'utf8')), 'SIGKILL');
    await make('down');
    for (const pid of pids) expect(isAlive(pid), `process ${pid} still alive`).toBe(false);
    expect(existsSync(join(localDir, 'redis', 'redis.pid'))).toBe(false);
    await expect(fetch(publishUrl, { method: 'POST' })).rejects.toThrow();
  });
});
