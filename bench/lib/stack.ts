import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../tests/support/wait.js';
import { REPO_ROOT } from './paths.js';

export { freePort };

const run = promisify(execFile);

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
export const REDIS_URL = process.env.REDIS_URL ?? `redis://127.0.0.1:${process.env.REDIS_PORT ?? 6379}`;
export const LOG_DIR = `${REPO_ROOT}bench/results/logs`;

/** The local runtime's Kafka and Redis (started when not running), unless given in the environment. */
export async function ensureInfrastructure(): Promise<void> {
  if (process.env.KAFKA_BROKERS && process.env.REDIS_URL) return;
  await run('bash', ['infra/kafka/kafka.sh', 'start'], { cwd: REPO_ROOT, timeout: 300_000 });
  await run('bash', ['infra/redis/redis.sh', 'start'], { cwd: REPO_ROOT, timeout: 60_000 });
}

export function kafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

export function runId(label: string): string {
  return `bench-${label}-${Date.now().toString(36)}`;
}

export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = kafka('bench-admin').admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
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
  child: ChildProcess;
  url: string;
  rssBytes(): number;
  stop(): Promise<number | null>;
}

async function waitReady(url: string, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${LOG_DIR}/${name}.log`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} not ready at ${url} after 60 s; see ${LOG_DIR}/${name}.log`);
}

/** A service as the local runtime runs it (`node dist/main.js`), on a free port, logs to a file. */
export async function startService(
  service: 'event-generator' | 'event-consumer' | 'event-viewer' | 'automatic-generator',
  env: Record<string, string>,
  label = service,
): Promise<RunningProcess> {
  const port = await freePort();
  const portEnv = { PORT: String(port), HOST: '127.0.0.1' };
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(`${LOG_DIR}/${label}.log`);
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: `${REPO_ROOT}${service}`,
    env: { PATH: process.env.PATH, KAFKA_BROKERS, REDIS_URL, LOG_LEVEL: 'warn', ...portEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, label);
  return {
    name: label,
    child,
    url,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    },
  };
}
