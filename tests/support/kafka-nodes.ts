import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { REPO_ROOT } from './paths.js';
import { freePortRun } from './wait.js';

const run = promisify(execFile);

export interface KafkaNodes {
  /** All three brokers, for KAFKA_BROKERS. */
  brokers: string;
  kafka(): Kafka;
  /** Node ids leading each partition of a topic. */
  leaders(topic: string): Promise<number[]>;
  /** Partitions whose in-sync replicas are fewer than all of their replicas. */
  underReplicated(topic: string): Promise<number>;
  killBroker(node: number): Promise<void>;
  stopBroker(node: number): Promise<void>;
  startBroker(node: number): Promise<void>;
  /** A broker's process id, for signals other than a kill (SIGSTOP). */
  brokerPid(node: number): Promise<number>;
  /** Every broker running again. */
  restore(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Three KRaft nodes (infra/kafka/cluster.sh) on free ports, their files under `dir`: the Kafka of the
 * replicated and cluster topologies, owned by one test file or one chaos run.
 */
export async function startKafkaNodes(dir: string, env: NodeJS.ProcessEnv, sasl?: SASLOptions): Promise<KafkaNodes> {
  const scriptEnv = {
    ...process.env,
    ...env,
    LOCAL_DIR: dir,
    KAFKA_CLUSTER_PORT: String(await freePortRun(6)),
    KAFKA_LIB_DIR: join(REPO_ROOT, '.local/kafka-lib/4.4.0'),
  };
  const cluster = async (...args: string[]) =>
    (
      await run('bash', ['infra/kafka/cluster.sh', ...args], { cwd: REPO_ROOT, env: scriptEnv, timeout: 240_000 })
    ).stdout.trim();
  await cluster('start');
  const brokers = await cluster('bootstrap');
  const kafka = () =>
    new Kafka({
      clientId: 'kafka-nodes-test',
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
    kafka,
    leaders: async (topic) => (await metadata(topic)).map((p) => p.leader),
    underReplicated: async (topic) => (await metadata(topic)).filter((p) => p.isr.length < p.replicas.length).length,
    killBroker: async (node) => void (await cluster('kill-node', String(node))),
    stopBroker: async (node) => void (await cluster('stop-node', String(node))),
    startBroker: async (node) => void (await cluster('start-node', String(node))),
    brokerPid: async (node) => Number(await cluster('node-pid', String(node))),
    restore: async () => void (await Promise.all([1, 2, 3].map((n) => cluster('start-node', String(n))))),
    remove: async () => void (await cluster('wipe')),
  };
}
