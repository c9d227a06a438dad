import { createKafka, createLogger, createRedisClient, kafkaSasl, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { consumerKafkaRetry, createEventConsumer } from './event-consumer.js';

const config = loadConfigOrExit('event-consumer', loadConfig);
const logger = createLogger('event-consumer', config.LOG_LEVEL);
const kafka = createKafka({
  brokers: config.KAFKA_BROKERS,
  clientId: config.KAFKA_CLIENT_ID ?? 'event-consumer',
  logger,
  ...consumerKafkaRetry(config),
  sasl: kafkaSasl(config),
});
const redis = createRedisClient(config, { connectionName: 'event-consumer', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
await runService(createEventConsumer({ config, logger, kafka, redis }), logger, config.SHUTDOWN_TIMEOUT_MS);
