import { createLogger, loadConfigOrExit, runService } from '@eventstreamapp/service-kit';
import { loadConfig } from './config.js';
import { createEventViewer } from './event-viewer.js';

const config = loadConfigOrExit('event-viewer', loadConfig);
const logger = createLogger('event-viewer', config.LOG_LEVEL);
await runService(createEventViewer({ config, logger }), logger, config.SHUTDOWN_TIMEOUT_MS);
