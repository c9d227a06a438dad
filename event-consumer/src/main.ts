import { createKafka, createLogger, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventConsumer } from './event-consumer.js';
import { createRedis } from './redis-client.js';

const config = loadConfigOrExit('event-consumer', loadConfig);
const logger = createLogger('event-consumer', config.LOG_LEVEL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'event-consumer', logger });
const redis = createRedis(config.REDIS_URL, 'event-consumer', config.REDIS_COMMAND_TIMEOUT_MS);
await runService(createEventConsumer({ config, logger, kafka, redis }), logger, config.SHUTDOWN_TIMEOUT_MS);
