import {
  createLogger,
  createStoreClient,
  loadConfigOrExit,
  runService,
  serviceKafka,
} from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { consumerKafkaRetry, createEventConsumer } from './event-consumer.js';

const config = loadConfigOrExit('event-consumer', loadConfig);
const logger = createLogger('event-consumer', config.LOG_LEVEL);
const kafka = serviceKafka('event-consumer', config, logger, consumerKafkaRetry(config));
const redis = createStoreClient(config, {
  connectionName: 'event-consumer',
  commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
});
await runService(createEventConsumer({ config, logger, kafka, redis }), logger, config.SHUTDOWN_TIMEOUT_MS);
