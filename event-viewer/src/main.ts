import {
  createLogger,
  createStoreClient,
  loadConfigOrExit,
  runService,
  serviceKafka,
} from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventViewer } from './event-viewer.js';

const config = loadConfigOrExit('event-viewer', loadConfig);
const logger = createLogger('event-viewer', config.LOG_LEVEL);
const redis = createStoreClient(config, {
  connectionName: 'event-viewer',
  commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
});
const reader = createStoreClient(config, { connectionName: 'event-viewer-live' });
const kafka = serviceKafka('event-viewer', config, logger);
await runService(createEventViewer({ config, logger, redis, reader, kafka }), logger, config.SHUTDOWN_TIMEOUT_MS);
