import { inject } from 'vitest';
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
