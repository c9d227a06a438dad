import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SASLOptions } from 'kafkajs';
import { type KafkaNodes, startKafkaNodes } from './kafka-nodes.js';
import { REPO_ROOT } from './paths.js';
import { freePortRun } from './wait.js';

const run = promisify(execFile);

/** CREDENTIALS=on for a test's engines: the variables infra/credentials.sh would give, made up for the run. */
export interface EngineCredentials {
  REDIS_PASSWORD: string;
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD: string;
  KAFKA_ADMIN_PASSWORD: string;
}

export function testCredentials(): EngineCredentials {
  const secret = () => randomBytes(18).toString('hex');
  return {
    REDIS_PASSWORD: secret(),
    KAFKA_SASL_USERNAME: 'eventstreamapp',
    KAFKA_SASL_PASSWORD: secret(),
    KAFKA_ADMIN_PASSWORD: secret(),
  };
}

export interface ReplicatedInfra extends Omit<KafkaNodes, 'remove'> {
  /** The three Sentinels, for REDIS_SENTINELS. */
  sentinels: string;
  sentinelName: string;
  /** What the services need in their environment to reach the engines (credentials, when on). */
  serviceEnv: Record<string, string>;
  /** The services' Kafka login, when credentials are on (tests/support/kafka.ts' loginTo). */
  sasl?: SASLOptions;
  /** The Redis node (a or b) the Sentinels name primary now, and its port. */
  redisPrimary(): Promise<{ node: 'a' | 'b'; port: number }>;
  killRedis(node: 'a' | 'b'): Promise<void>;
  /** A Redis node's process id, for signals other than a kill (SIGSTOP). */
  redisPid(node: 'a' | 'b'): Promise<number>;
  /** The ports of the two Redis nodes and the three Sentinels. */
  redisPorts: number[];
  startRedis(node: 'a' | 'b'): Promise<void>;
  /** Every node running again (what a test stopped or killed), so the next test starts whole. */
  restore(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * The replicated topology, owned by one test file: three KRaft nodes (infra/kafka/cluster.sh) and a
 * Redis primary, replica and three Sentinels (infra/redis/replicated.sh), on free ports in a temporary folder.
 */
export async function startReplicatedInfra(credentials?: EngineCredentials): Promise<ReplicatedInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'eventstreamapp-replicated-'));
  const redisBase = await freePortRun(2);
  const sentinelBase = await freePortRun(3);
  const env = {
    ...process.env,
    LOCAL_DIR: dir,
    REDIS_REPLICATED_PORT: String(redisBase),
    REDIS_SENTINEL_PORT: String(sentinelBase),
    ...credentials,
  };
  const redis = async (...args: string[]) =>
    (
      await run('bash', ['infra/redis/replicated.sh', ...args], { cwd: REPO_ROOT, env, timeout: 240_000 })
    ).stdout.trim();
  const sasl =
    credentials &&
    ({
      mechanism: 'scram-sha-512',
      username: credentials.KAFKA_SASL_USERNAME,
      password: credentials.KAFKA_SASL_PASSWORD,
    } as const);
  const [kafka] = await Promise.all([startKafkaNodes(dir, { ...credentials }, sasl), redis('start')]);
  return {
    ...kafka,
    sentinels: await redis('sentinels'),
    sentinelName: 'eventstreamapp',
    ...(sasl ? { sasl } : {}),
    serviceEnv: credentials
      ? {
          REDIS_PASSWORD: credentials.REDIS_PASSWORD,
          KAFKA_SASL_USERNAME: credentials.KAFKA_SASL_USERNAME,
          KAFKA_SASL_PASSWORD: credentials.KAFKA_SASL_PASSWORD,
        }
      : {},
    async redisPrimary() {
      const port = Number(await redis('primary-port'));
      return { node: port === redisBase ? 'a' : 'b', port };
    },
    killRedis: async (node) => void (await redis('kill-node', node)),
    redisPid: async (node) => Number(await redis('node-pid', node)),
    redisPorts: [redisBase, redisBase + 1, sentinelBase, sentinelBase + 1, sentinelBase + 2],
    startRedis: async (node) => void (await redis('start-node', node)),
    async restore() {
      await kafka.restore();
      await Promise.all(['a', 'b'].map((n) => redis('start-node', n)));
    },
    async remove() {
      await Promise.allSettled([kafka.remove(), redis('wipe')]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
