import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, Wait } from 'testcontainers';
import type { Infrastructure } from './infrastructure.js';
import { freePort } from './wait.js';

const run = promisify(execFile);

/** The images docker-compose.yml defaults to, or the ones KAFKA_IMAGE and REDIS_IMAGE name. */
function testImages(env: NodeJS.ProcessEnv) {
  return { kafka: env.KAFKA_IMAGE ?? 'apache/kafka:4.4.0', redis: env.REDIS_IMAGE ?? 'redis:7.4-alpine' };
}

async function presentOrPulled(image: string): Promise<boolean> {
  try {
    await run('docker', ['image', 'inspect', image], { timeout: 20_000 });
    return true;
  } catch {}
  try {
    await run('docker', ['pull', '-q', image], { timeout: 120_000 });
    return true;
  } catch {
    return false;
  }
}

/** The test images that are neither present nor pullable (a machine without a registry). */
export async function missingTestImages(env: NodeJS.ProcessEnv): Promise<string[]> {
  const images = Object.values(testImages(env));
  const found = await Promise.all(images.map(presentOrPulled));
  return images.filter((_, i) => !found[i]);
}

/** The same Kafka version as the local runtime, advertised on a fixed free host port. */
export async function startDockerInfrastructure(env: NodeJS.ProcessEnv): Promise<Infrastructure> {
  const images = testImages(env);
  const kafkaPort = await freePort();
  const kafka = await new GenericContainer(images.kafka)
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .start();
  const redis = await new GenericContainer(images.redis)
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  return {
    kafkaBrokers: `127.0.0.1:${kafkaPort}`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    source: 'docker',
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop()]);
    },
  };
}
