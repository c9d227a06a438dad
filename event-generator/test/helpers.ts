import { createKafka, createLogger } from '@eventstreamapp/service-kit';
import { inject } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEventGenerator } from '../src/event-generator.js';

/** A real event-generator on a free port, publishing to the given topic. */
export async function startGenerator(env: Record<string, string>) {
  const config = loadConfig({ KAFKA_BROKERS: inject('kafkaBrokers'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  const logger = createLogger('event-generator', config.LOG_LEVEL);
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'test-generator', logger, retries: 1 });
  const generator = createEventGenerator({ config, logger, kafka });
  await generator.start();
  return { generator, kafka, url: generator.url!, stop: () => generator.stop() };
}

export { waitFor } from '../../tests/support/wait.js';
