import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { freePort, freePortRun, waitFor } from '../support/wait.js';

const exec = promisify(execFile);

/** `make up TOPOLOGY=cluster RUNTIME=local` as a user runs it, on a stack of its own (folder and ports). */
describe('make up TOPOLOGY=cluster RUNTIME=local', () => {
  const localDir = mkdtempSync(join(tmpdir(), 'eventstreamapp-cluster-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOCAL_DIR: localDir,
    KAFKA_LIB_DIR: join(REPO_ROOT, '.local/kafka-lib/4.4.0'),
  };
  const make = async (...args: string[]) => {
    const { stdout, stderr } = await exec(
      'make',
      ['--no-print-directory', ...args, 'TOPOLOGY=cluster', 'RUNTIME=local'],
      { cwd: REPO_ROOT, env, timeout: 300_000 },
    );
    return `${stdout}${stderr}`;
  };

  beforeAll(async () => {
    env.KAFKA_CLUSTER_PORT = String(await freePortRun(6));
    env.REDIS_CLUSTER_PORT = String(await freePortRun(6, 10_000));
    for (const name of ['GENERATOR_PORT', 'VIEWER_PORT', 'AUTOGEN_PORT', 'CONSUMER_PORT'])
      env[name] = String(await freePort());
    await make('up');
  }, 360_000);
  afterAll(async () => {
    await make('down').catch(() => undefined);
    rmSync(localDir, { recursive: true, force: true });
  }, 180_000);

  it('brings up a healthy six-node Redis Cluster under the pipeline: publish, store and view work', {
    timeout: 90_000,
  }, async () => {
    const check = await exec('bash', ['infra/redis/cluster.sh', 'check'], { cwd: REPO_ROOT, env });
    expect(check.stdout).toContain('[OK] All 16384 slots covered.');
    const res = await fetch(`http://127.0.0.1:${env.GENERATOR_PORT}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'cluster-user', action: 'make-up' }),
    });
    expect(res.status).toBe(202);
    const { event_id } = (await res.json()) as { event_id: string };
    const viewer = `http://127.0.0.1:${env.VIEWER_PORT}/events/cluster-user`;
    await waitFor(
      async () => (await (await fetch(viewer, { headers: { accept: 'application/json' } })).text()).includes(event_id),
      30_000,
      'the event in the viewer',
    );
    expect(await make('-s', 'redis-cli', 'REDIS_CLI_ARGS=GET event:cluster-user')).toContain(event_id);
  });
});
