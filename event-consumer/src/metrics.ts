import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ConsumerMetrics {
  registry: Registry;
  stored: Counter;
  deadLettered: Counter<'reason'>;
  retries: Counter<'target'>;
  batchSize: Histogram;
  writeSeconds: Histogram;
  lag: Gauge<'topic' | 'partition'>;
}

export function createMetrics(): ConsumerMetrics {
  const registry = createRegistry('event-consumer');
  return {
    registry,
    stored: new Counter({ name: 'events_stored_total', help: 'Events written to Redis (replays included)', registers: [registry] }),
    deadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'write_retries_total',
      help: 'Failed writes that will be retried',
      labelNames: ['target'],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'consume_batch_events',
      help: 'Records per Redis transaction',
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'redis_write_seconds',
      help: 'Duration of one batch transaction in Redis',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'consumer_lag',
      help: 'Records behind the partition end, after the last batch',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
  };
}
