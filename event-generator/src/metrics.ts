import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface GeneratorMetrics {
  registry: Registry;
  published: Counter;
  errors: Counter<'code'>;
  publishLatency: Histogram;
  batchSize: Histogram;
}

export function createMetrics(): GeneratorMetrics {
  const registry = createRegistry('event-generator');
  return {
    registry,
    published: new Counter({
      name: 'events_published_total',
      help: 'Events acknowledged by Kafka',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'publish_errors_total',
      help: 'Refused or failed publishes by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    publishLatency: new Histogram({
      name: 'publish_latency_seconds',
      help: 'From a POST /publish arriving to its 202 (Kafka acknowledged)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'publish_batch_events',
      help: 'Events per producer request (linger batching)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
  };
}
