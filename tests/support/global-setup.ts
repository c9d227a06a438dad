import type { TestProject } from 'vitest/node';
import { resolveInfrastructure } from './infrastructure.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    redisUrl: string;
    infraSource: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const infra = await resolveInfrastructure();
  process.stdout.write(
    `integration tests use Kafka ${infra.kafkaBrokers} and Redis ${infra.redisUrl} (${infra.source})\n`,
  );
  project.provide('kafkaBrokers', infra.kafkaBrokers);
  project.provide('redisUrl', infra.redisUrl);
  project.provide('infraSource', infra.source);
  return infra.stop;
}
