import { createKafka, createLogger, createStoreClient } from '@eventstreamapp/service-kit';
import { Redis } from 'ioredis';
import { inject, onTestFinished } from 'vitest';
import { createTestTopics, type TestTopics, uniqueName } from '../../tests/support/kafka.js';
import { deleteKeysWithPrefix } from '../../tests/support/redis-keys.js';
import { loadConfig } from '../src/config.js';
import { createEventGenerator } from '../src/event-generator.js';

/**
 * A real event-generator on a free port, publishing to the given topic, claiming client-chosen
 * event_ids under a key prefix of its own (or the one given, to share it between two generators).
 */
export async function startGenerator(env: Record<string, string>) {
  const prefix = env.REDIS_KEY_PREFIX ?? `${uniqueName('generator')}:`;
  const config = loadConfig({
    KAFKA_BROKERS: inject('kafkaBrokers'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger('event-generator', config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'test-generator', logger, retries: 1 });
  const redis = createStoreClient(config, {
    connectionName: 'test-generator',
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  const generator = createEventGenerator({ config, logger, kafka, redis });
  await generator.start();
  return {
    generator,
    kafka,
    url: generator.url!,
    prefix,
    async stop() {
      await generator.stop();
      if (env.REDIS_KEY_PREFIX === undefined) {
        const cleaner = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
        await deleteKeysWithPrefix(cleaner, prefix).catch(() => undefined);
        cleaner.disconnect();
      }
    },
  };
}

import { waitFor } from '../../tests/support/wait.js';

export { waitFor };

/** Topics of the test's own, removed when it finishes. */
export async function topicsForTest(label: string): Promise<TestTopics> {
  const topics = await createTestTopics(label);
  onTestFinished(() => topics.remove());
  return topics;
}

/** A generator stopped when the test finishes, once it is ready. */
export async function generatorForTest(env: Record<string, string>) {
  const app = await startGenerator(env);
  onTestFinished(() => app.stop());
  await waitFor(async () => (await fetch(`${app.url}/readyz`)).ok, 20_000, 'readiness');
  return app;
}
