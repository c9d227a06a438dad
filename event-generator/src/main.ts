import { createKafka, createLogger, createRedisClient, kafkaSasl, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventGenerator } from './event-generator.js';

const config = loadConfigOrExit('event-generator', loadConfig);
const logger = createLogger('event-generator', config.LOG_LEVEL);
const kafka = createKafka({
  brokers: config.KAFKA_BROKERS,
  clientId: config.KAFKA_CLIENT_ID ?? 'event-generator',
  logger,
  retries: 2,
  sasl: kafkaSasl(config),
});
// Claims of client-chosen event_ids fail at once while Redis is away (503), instead of piling up.
const redis = createRedisClient(config, { connectionName: 'event-generator', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
await runService(createEventGenerator({ config, logger, kafka, redis }), logger, config.SHUTDOWN_TIMEOUT_MS);
