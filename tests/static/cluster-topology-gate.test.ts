import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const make = (...args: string[]) =>
  spawnSync('make', ['--no-print-directory', '-n', ...args, 'TOPOLOGY=cluster', 'RUNTIME=local'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

/** TOPOLOGY=cluster while it is being built: the pipeline runs on it; what cannot yet says so. */
describe('make with TOPOLOGY=cluster', () => {
  it('starts and stops the three KRaft nodes and the Redis Cluster', () => {
    const up = make('infra-up');
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('infra/kafka/cluster.sh start');
    expect(up.stdout).toContain('infra/redis/cluster.sh start');
    expect(make('infra-down').stdout).toContain('infra/redis/cluster.sh stop');
  });

  it('runs the pipeline on them: make up starts the infrastructure and the services', () => {
    const up = make('up');
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('scripts/launcher/cli.ts up');
  });

  it('refuses chaos, not built for it yet, naming why, before doing anything', () => {
    const run = make('chaos');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('chaos is not built for it yet');
    expect(run.stdout).toBe('');
  });
});
