import { createKafka, createLogger, kafkaSasl, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { createAutomaticGenerator } from './automatic-generator.js';
import { loadConfig } from './config.js';

const config = loadConfigOrExit('automatic-generator', loadConfig);
const logger = createLogger('automatic-generator', config.LOG_LEVEL);
const kafka = createKafka({
  brokers: config.KAFKA_BROKERS,
  clientId: config.KAFKA_CLIENT_ID ?? 'automatic-generator',
  logger,
  retries: 2,
  sasl: kafkaSasl(config),
});
await runService(createAutomaticGenerator({ config, logger, kafka }), logger, config.SHUTDOWN_TIMEOUT_MS);
