import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EVENTS_TOPIC_PARTITIONS } from '@eventstreamapp/event-schema';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { portHolder, rssBytes } from '../../scripts/launcher/process-state.ts';
import { waitUntilReady } from '../../scripts/launcher/readiness.ts';
import { type ServiceProcess, spawnService } from '../../scripts/launcher/service-process.ts';
import type { ServiceName } from '../../scripts/launcher/services.ts';
import { deleteKeysWithPrefix } from '../../tests/support/redis-keys.js';
import { createTopicsWithLeaders } from '../../tests/support/topics.js';
import { freePort } from '../../tests/support/wait.js';
import type { MeasuredProcess } from './cpu.js';
import { REPO_ROOT } from './paths.js';

export { freePort };

const run = promisify(execFile);

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
export const REDIS_URL = process.env.REDIS_URL ?? `redis://127.0.0.1:${process.env.REDIS_PORT ?? 6379}`;
const LOG_DIR = `${REPO_ROOT}bench/results/logs`;

/** The local runtime's Kafka and Redis (started when not running), unless given in the environment. */
export async function ensureInfrastructure(): Promise<void> {
  if (process.env.KAFKA_BROKERS && process.env.REDIS_URL) return;
  await run('bash', ['infra/kafka/kafka.sh', 'start'], { cwd: REPO_ROOT, timeout: 300_000 });
  await run('bash', ['infra/redis/redis.sh', 'start'], { cwd: REPO_ROOT, timeout: 60_000 });
}

/** The broker and Redis of the run, as processes whose CPU time can be read (undefined pid when not visible). */
export function brokerProcess(): MeasuredProcess {
  return { name: 'broker', pid: portHolder(Number(KAFKA_BROKERS.split(',')[0]!.split(':')[1]))?.pid };
}

export function redisProcess(): MeasuredProcess {
  return { name: 'redis', pid: portHolder(Number(new URL(REDIS_URL).port || 6379))?.pid };
}

export function kafka(clientId: string, brokers = KAFKA_BROKERS): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export function runId(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}`;
}

export async function createTopic(topic: string, partitions = EVENTS_TOPIC_PARTITIONS): Promise<void> {
  const admin = kafka('bench-admin').admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]);
  await admin.disconnect();
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka('bench-admin').admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

export interface RunningProcess {
  name: string;
  process: ServiceProcess;
  url: string;
  pid: number;
  rssBytes(): number;
  stop(): Promise<number | null>;
}

/** A service as the local runtime runs it, through the same launcher, on a free port, logs to a file. */
/**
 * BENCH_<SERVICE>_<VARIABLE>=value (BENCH_CONSUMER_WRITE_CHUNK_EVENTS=500, BENCH_GENERATOR_PUBLISH_MAX_IN_FLIGHT=1):
 * a setting for that service wherever a scenario starts it; what the scenario itself sets wins.
 */
export function tuningFor(service: ServiceName): Record<string, string> {
  const prefix = `BENCH_${service
    .replace(/^event-/, '')
    .replaceAll('-', '_')
    .toUpperCase()}_`;
  return Object.fromEntries(
    Object.entries(process.env)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v ?? '']),
  );
}

export async function startService(
  service: ServiceName,
  env: Record<string, string>,
  label: string = service,
): Promise<RunningProcess> {
  const port = await freePort();
  const child = spawnService(service, {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS,
      REDIS_URL,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: a profile of every service under test, written as it stops.
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...tuningFor(service),
      ...env,
    },
    logFile: `${LOG_DIR}/${label}.log`,
  });
  const url = `http://127.0.0.1:${port}`;
  const outcome = await waitUntilReady(`${url}/readyz`, {
    timeoutMs: 60_000,
    alive: () => child.child.exitCode === null,
  });
  if (outcome !== 'ready') throw new Error(`${label} not ready at ${url} (${outcome}); see ${LOG_DIR}/${label}.log`);
  return {
    name: label,
    process: child,
    url,
    pid: child.child.pid!,
    rssBytes: () => rssBytes(child.child.pid!),
    async stop() {
      return (await child.stop()).code;
    },
  };
}

export interface Pipeline {
  id: string;
  prefix: string;
  generator: RunningProcess;
  consumer: RunningProcess;
  /** Stops both services and deletes the run's topics and keys. */
  stop(): Promise<void>;
}

/** A generator and a consumer on a topic, group and key prefix of their own: the publish-to-store path. */
export async function startPipeline(label: string, consumerEnv: Record<string, string> = {}): Promise<Pipeline> {
  const id = runId(label);
  await createTopic(id);
  await createTopic(`${id}.dlq`, 1);
  const prefix = `${id}:`;
  const consumer = await startService('event-consumer', {
    KAFKA_TOPIC: id,
    KAFKA_DLQ_TOPIC: `${id}.dlq`,
    KAFKA_GROUP_ID: id,
    REDIS_KEY_PREFIX: prefix,
    ...consumerEnv,
  });
  const generator = await startService('event-generator', { KAFKA_TOPIC: id });
  return {
    id,
    prefix,
    generator,
    consumer,
    async stop() {
      await generator.stop();
      await consumer.stop();
      const redis = new Redis(REDIS_URL);
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await deleteTopics([id, `${id}.dlq`]);
    },
  };
}
