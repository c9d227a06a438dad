import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
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

export interface ReplicatedInfra {
  /** All three brokers, for KAFKA_BROKERS. */
  brokers: string;
  /** The three Sentinels, for REDIS_SENTINELS. */
  sentinels: string;
  sentinelName: string;
  /** What the services need in their environment to reach the engines (credentials, when on). */
  serviceEnv: Record<string, string>;
  /** The services' Kafka login, when credentials are on (tests/support/kafka.ts' loginTo). */
  sasl?: SASLOptions;
  kafka(): Kafka;
  /** Node ids leading each partition of a topic. */
  leaders(topic: string): Promise<number[]>;
  /** Partitions whose in-sync replicas are fewer than all of their replicas. */
  underReplicated(topic: string): Promise<number>;
  killBroker(node: number): Promise<void>;
  stopBroker(node: number): Promise<void>;
  startBroker(node: number): Promise<void>;
  /** The Redis node (a or b) the Sentinels name primary now, and its port. */
  redisPrimary(): Promise<{ node: 'a' | 'b'; port: number }>;
  killRedis(node: 'a' | 'b'): Promise<void>;
  /** Process ids, for signals other than a kill (SIGSTOP). */
  brokerPid(node: number): Promise<number>;
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
  const kafkaBase = await freePortRun(6);
  const redisBase = await freePortRun(2);
  const sentinelBase = await freePortRun(3);
  const env = {
    ...process.env,
    LOCAL_DIR: dir,
    KAFKA_CLUSTER_PORT: String(kafkaBase),
    KAFKA_LIB_DIR: join(REPO_ROOT, '.local/kafka-lib/4.4.0'),
    REDIS_REPLICATED_PORT: String(redisBase),
    REDIS_SENTINEL_PORT: String(sentinelBase),
    ...credentials,
  };
  const script = async (path: string, ...args: string[]) =>
    (await run('bash', [path, ...args], { cwd: REPO_ROOT, env, timeout: 240_000 })).stdout.trim();
  const cluster = (...args: string[]) => script('infra/kafka/cluster.sh', ...args);
  const redis = (...args: string[]) => script('infra/redis/replicated.sh', ...args);
  await Promise.all([cluster('start'), redis('start')]);
  const brokers = await cluster('bootstrap');
  const sasl =
    credentials &&
    ({
      mechanism: 'scram-sha-512',
      username: credentials.KAFKA_SASL_USERNAME,
      password: credentials.KAFKA_SASL_PASSWORD,
    } as const);
  const kafka = () =>
    new Kafka({
      clientId: 'replicated-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10 },
      ...(sasl ? { sasl } : {}),
    });
  const metadata = async (topic: string) => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions;
    } finally {
      await admin.disconnect();
    }
  };
  return {
    brokers,
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
    kafka,
    leaders: async (topic) => (await metadata(topic)).map((p) => p.leader),
    underReplicated: async (topic) => (await metadata(topic)).filter((p) => p.isr.length < p.replicas.length).length,
    killBroker: async (node) => void (await cluster('kill-node', String(node))),
    stopBroker: async (node) => void (await cluster('stop-node', String(node))),
    startBroker: async (node) => void (await cluster('start-node', String(node))),
    async redisPrimary() {
      const port = Number(await redis('primary-port'));
      return { node: port === redisBase ? 'a' : 'b', port };
    },
    killRedis: async (node) => void (await redis('kill-node', node)),
    brokerPid: async (node) => Number(await cluster('node-pid', String(node))),
    redisPid: async (node) => Number(await redis('node-pid', node)),
    redisPorts: [redisBase, redisBase + 1, sentinelBase, sentinelBase + 1, sentinelBase + 2],
    startRedis: async (node) => void (await redis('start-node', node)),
    async restore() {
      await Promise.all([1, 2, 3].map((n) => cluster('start-node', String(n))));
      await Promise.all(['a', 'b'].map((n) => redis('start-node', n)));
    },
    async remove() {
      await Promise.allSettled([cluster('wipe'), redis('wipe')]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
