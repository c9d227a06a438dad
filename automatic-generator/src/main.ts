import { createLogger, loadConfigOrExit, runService, serviceKafka } from '@eventstreamapp/service-kit';
import { createAutomaticGenerator } from './automatic-generator.js';
import { loadConfig } from './config.js';

const config = loadConfigOrExit('automatic-generator', loadConfig);
const logger = createLogger('automatic-generator', config.LOG_LEVEL);
// Few retries: what a tick could not send waits for the next one (TickSender).
const kafka = serviceKafka('automatic-generator', config, logger, { retries: 2 });
await runService(createAutomaticGenerator({ config, logger, kafka }), logger, config.SHUTDOWN_TIMEOUT_MS);
