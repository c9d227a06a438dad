import { inject } from 'vitest';
import { loadConfig as automaticGeneratorConfig } from '../../automatic-generator/src/config.js';
import { loadConfig as consumerConfig } from '../../event-consumer/src/config.js';
import { loadConfig as generatorConfig } from '../../event-generator/src/config.js';
import { loadConfig as viewerConfig } from '../../event-viewer/src/config.js';
import { type ServiceProcess, spawnService } from '../../scripts/launcher/service-process.ts';
import type { ServiceName } from '../../scripts/launcher/services.ts';

export type { LogLine, ServiceProcess } from '../../scripts/launcher/service-process.ts';
export type { ServiceName } from '../../scripts/launcher/services.ts';

/**
 * A service as its own process, through the launcher the local runtime and the bench use, against
 * this run's Kafka and Redis, listening on a free port of 127.0.0.1, with `env` on top.
 */
export function startServiceProcess(name: ServiceName, env: Record<string, string> = {}): ServiceProcess {
  return spawnService(name, {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: inject('kafkaBrokers'),
      REDIS_URL: inject('redisUrl'),
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
  });
}

const defaultConfigs: Record<ServiceName, () => { SHUTDOWN_TIMEOUT_MS: number }> = {
  'event-generator': () => generatorConfig({}),
  'automatic-generator': () => automaticGeneratorConfig({}),
  'event-consumer': () => consumerConfig({}),
  'event-viewer': () => viewerConfig({}),
};

/** Time for a process to be gone after its SHUTDOWN_TIMEOUT_MS hard limit fired. */
const EXIT_AFTER_LIMIT_MS = 500;

/** How long a clean stop after SIGTERM may take: the service's own SHUTDOWN_TIMEOUT_MS (its default), and its exit. */
export function shutdownBudgetMs(name: ServiceName): number {
  return defaultConfigs[name]().SHUTDOWN_TIMEOUT_MS + EXIT_AFTER_LIMIT_MS;
}
