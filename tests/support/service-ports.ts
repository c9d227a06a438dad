import { loadConfig as automaticGeneratorConfig } from '../../automatic-generator/src/config.js';
import { loadConfig as consumerConfig } from '../../event-consumer/src/config.js';
import { loadConfig as generatorConfig } from '../../event-generator/src/config.js';
import { loadConfig as viewerConfig } from '../../event-viewer/src/config.js';

/** Each service's port as its own configuration defaults it: the source the static tests compare against. */
export const CONFIG_PORTS = {
  'event-generator': generatorConfig({}).PORT,
  'event-viewer': viewerConfig({}).PORT,
  'automatic-generator': automaticGeneratorConfig({}).PORT,
  'event-consumer': consumerConfig({}).PORT,
} as const;
