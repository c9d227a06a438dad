import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const make = (...args: string[]) =>
  spawnSync('make', ['--no-print-directory', '-n', 'TOPOLOGY=cluster', 'RUNTIME=local', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

/** TOPOLOGY=cluster: the pipeline and its chaos run on it, in both runtimes. */
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

  it('runs chaos on the cluster topology, and reads the topic from a broker of the three', () => {
    const run = make('chaos');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/scripts\/chaos\/cli\.ts run .*--topology cluster/s);
    expect(make('kafka-consume').stdout).toContain('infra/kafka/cluster.sh node-port 1');
  });

  it('runs on Docker with the three KRaft nodes’ file and the Redis Cluster’s, over docker-compose.yml', () => {
    const run = make('up', 'RUNTIME=docker');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('scripts/compose.sh up');
    const files = spawnSync(
      'make',
      ['--no-print-directory', '-p', '-n', 'TOPOLOGY=cluster', 'RUNTIME=docker', 'help'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    ).stdout;
    expect(files).toMatch(
      /^COMPOSE_FILES := docker-compose\.yml docker-compose\.kafka-nodes\.yml docker-compose\.cluster\.yml$/m,
    );
  });
});
