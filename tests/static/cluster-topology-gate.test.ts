import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const make = (...args: string[]) =>
  spawnSync('make', ['--no-print-directory', '-n', ...args, 'TOPOLOGY=cluster', 'RUNTIME=local'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

/** TOPOLOGY=cluster while it is being built: its infrastructure starts; what cannot run with it says so. */
describe('make with TOPOLOGY=cluster', () => {
  it('starts and stops the three KRaft nodes and the Redis Cluster', () => {
    const up = make('infra-up');
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('infra/kafka/cluster.sh start');
    expect(up.stdout).toContain('infra/redis/cluster.sh start');
    expect(make('infra-down').stdout).toContain('infra/redis/cluster.sh stop');
  });

  it('refuses the targets that would start a viewer, naming why, before doing anything', () => {
    for (const target of ['up', 'test', 'chaos']) {
      const run = make(target);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('the viewer cannot read a Redis Cluster yet');
      expect(run.stdout).toBe('');
    }
  });
});
