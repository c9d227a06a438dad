import { createKafka, createLogger, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventGenerator } from './event-generator.js';

const config = loadConfigOrExit('event-generator', loadConfig);
const logger = createLogger('event-generator', config.LOG_LEVEL);
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'event-generator', logger, retries: 2 });
await runService(createEventGenerator({ config, logger, kafka }), logger, config.SHUTDOWN_TIMEOUT_MS);
