import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);

export interface Infrastructure {
  kafkaBrokers: string;
  redisUrl: string;
  source: 'environment' | 'docker' | 'local runtime';
  stop(): Promise<void>;
}

export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
}

/**
 * Kafka and Redis for integration tests, in this order: KAFKA_BROKERS/REDIS_URL from the
 * environment; Docker through testcontainers when an engine answers; the local runtime
 * (infra/kafka, infra/redis). When none works the run fails — it never skips.
 */
export async function resolveInfrastructure(env = process.env): Promise<Infrastructure> {
  const mode = env.TEST_INFRA;
  if (env.KAFKA_BROKERS && env.REDIS_URL) {
    return verified({
      kafkaBrokers: env.KAFKA_BROKERS,
      redisUrl: env.REDIS_URL,
      source: 'environment',
      stop: async () => {},
    });
  }
  if (mode !== 'local' && (await dockerAnswers())) {
    const { missingTestImages, startDockerInfrastructure } = await import('./docker-infrastructure.js');
    const missing = await missingTestImages(env);
    if (missing.length === 0) return verified(await startDockerInfrastructure(env));
    if (mode === 'docker')
      throw new InfrastructureError(`TEST_INFRA=docker, but ${missing.join(' and ')} cannot be pulled`);
    process.stdout.write(
      `integration tests: Docker answers, but ${missing.join(' and ')} cannot be pulled; ` +
        'using the local runtime (set KAFKA_IMAGE/REDIS_IMAGE to use other images)\n',
    );
  } else if (mode === 'docker') {
    throw new InfrastructureError('TEST_INFRA=docker, but no Docker engine answers');
  }
  return verified(await startLocalInfrastructure());
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([getContainerRuntimeClient(), new Promise((_, fail) => setTimeout(fail, 10_000))]);
    return true;
  } catch {
    return false;
  }
}

async function startLocalInfrastructure(): Promise<Infrastructure> {
  const kafkaPort = process.env.KAFKA_PORT ?? '9092';
  const redisPort = process.env.REDIS_PORT ?? '6379';
  for (const [name, script] of [
    ['Kafka', 'infra/kafka/kafka.sh'],
    ['Redis', 'infra/redis/redis.sh'],
  ] as const) {
    try {
      await run('bash', [script, 'start'], {
        cwd: REPO_ROOT,
        timeout: 300_000,
        env: { ...process.env, KAFKA_PORT: kafkaPort, REDIS_PORT: redisPort },
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim() ?? String(err);
      throw new InfrastructureError(
        `no ${name} for the integration tests: KAFKA_BROKERS/REDIS_URL are unset, no Docker engine answers, ` +
          `and the local runtime failed:\n${stderr}`,
      );
    }
  }
  // Left running: the next run (and `make up`) reuses them; `make down` stops them.
  return {
    kafkaBrokers: `127.0.0.1:${kafkaPort}`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    source: 'local runtime',
    stop: async () => {},
  };
}

async function verified(infra: Infrastructure): Promise<Infrastructure> {
  const kafka = new Kafka({
    brokers: infra.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    throw new InfrastructureError(
      `Kafka at ${infra.kafkaBrokers} (${infra.source}) does not answer: ${(err as Error).message}`,
    );
  } finally {
    await admin.disconnect();
  }
  const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new InfrastructureError(
      `Redis at ${infra.redisUrl} (${infra.source}) does not answer: ${(err as Error).message}`,
    );
  } finally {
    redis.disconnect();
  }
  if (!existsSync(`${REPO_ROOT}/packages/event-schema/dist/index.js`)) {
    throw new InfrastructureError('the workspaces are not built: run `npm run build` (the README test command does)');
  }
  return infra;
}
