import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT } from './paths.js';
import { freePortRun } from './wait.js';

const run = promisify(execFile);

export interface OwnRedisCluster {
  /** The six nodes, `127.0.0.1:<port>`. */
  nodes: string[];
  /** A client of the cluster, closed by remove(). */
  client(): Cluster;
  /** The masters' ports as the cluster sees them now. */
  masters(): Promise<number[]>;
  /** `redis-cli --cluster check`'s output; throws when it finds the cluster unhealthy. */
  check(): Promise<string>;
  /** SIGKILL to the node on that port, waiting until it is gone. */
  kill(port: number): Promise<void>;
  /** Starts the node on that port again: it rejoins from its nodes.conf (a replica, if it lost its slots). */
  restart(port: number): Promise<void>;
  /** The process id of the node on that port, for signals other than a kill (SIGSTOP). */
  pid(port: number): Promise<number>;
  /** Waits until the cluster is whole: every node ok, three replicas in sync. */
  ready(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A Redis Cluster of three masters and three replicas owned by one test file, started by the cluster
 * topology's own script (infra/redis/cluster.sh) on free ports, its files in a folder of its own.
 */
export async function startOwnRedisCluster(): Promise<OwnRedisCluster> {
  const port = await freePortRun(6, 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'eventstreamapp-redis-cluster-'));
  const env = { ...process.env, REDIS_CLUSTER_PORT: String(port), REDIS_CLUSTER_DIR: dir };
  const script = async (...args: string[]) =>
    (await run('bash', ['infra/redis/cluster.sh', ...args], { cwd: REPO_ROOT, env, timeout: 120_000 })).stdout;
  await script('start');
  const nodes = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${port + i}`);
  const clients: Cluster[] = [];
  return {
    nodes,
    client() {
      const client = new Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
        { redisOptions: { maxRetriesPerRequest: 1 } },
      );
      clients.push(client);
      return client;
    },
    masters: async () => (await script('masters')).trim().split('\n').map(Number),
    check: () => script('check'),
    kill: async (node) => void (await script('kill-node', String(node - port + 1))),
    restart: async (node) => void (await script('start-node', String(node - port + 1))),
    pid: async (node) => Number(await script('node-pid', String(node - port + 1))),
    ready: async () => void (await script('ready')),
    async remove() {
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
      await script('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A cluster for the `describe` block that calls this: started before its tests, removed after them. Returns
 * its accessor (the cluster exists only once the block's tests run).
 */
export function useOwnRedisCluster(): () => OwnRedisCluster {
  let own: OwnRedisCluster | undefined;
  beforeAll(async () => {
    own = await startOwnRedisCluster();
  }, 120_000);
  afterAll(async () => {
    await own?.remove();
  });
  return () => {
    if (!own) throw new Error('the Redis Cluster is not started yet (useOwnRedisCluster runs in beforeAll)');
    return own;
  };
}
