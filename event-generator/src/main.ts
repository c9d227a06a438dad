import {
  createLogger,
  createStoreClient,
  loadConfigOrExit,
  runService,
  serviceKafka,
} from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventGenerator } from './event-generator.js';

const config = loadConfigOrExit('event-generator', loadConfig);
const logger = createLogger('event-generator', config.LOG_LEVEL);
// Few retries: a publish has its own deadline (PUBLISH_TIMEOUT_MS) and answers 503 rather than wait.
const kafka = serviceKafka('event-generator', config, logger, { retries: 2 });
// Claims of client-chosen event_ids fail at once while Redis is away (503), instead of piling up.
const redis = createStoreClient(config, {
  connectionName: 'event-generator',
  commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
});
await runService(createEventGenerator({ config, logger, kafka, redis }), logger, config.SHUTDOWN_TIMEOUT_MS);
