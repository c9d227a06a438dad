import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PartitionLag } from './group-lag.js';

export interface ConsumerMetrics {
  registry: Registry;
  stored: Counter;
  duplicates: Counter;
  expired: Counter;
  deadLettered: Counter<'reason'>;
  retries: Counter<'target' | 'code'>;
  chunkSize: Histogram;
  writeSeconds: Histogram;
}

/** `readLag` runs on every scrape; when Kafka does not answer in time the last figures stay. */
export function createMetrics(topic: string, readLag: () => Promise<PartitionLag[]>): ConsumerMetrics {
  const registry = createRegistry('event-consumer');
  new Gauge({
    name: 'consumer_lag',
    help: "Records past the group's committed offset, per partition (high watermark minus committed offset)",
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      const lag = await Promise.race([
        readLag(),
        new Promise<undefined>((resolve) => {
          setTimeout(() => resolve(undefined), 2_000).unref();
        }),
      ]).catch(() => undefined);
      for (const { partition, lag: records } of lag ?? []) this.set({ topic, partition: String(partition) }, records);
    },
  });
  return {
    registry,
    stored: new Counter({ name: 'events_stored_total', help: 'Events newly written to Redis', registers: [registry] }),
    duplicates: new Counter({
      name: 'events_duplicate_total',
      help: 'Events not stored because their event_id was stored within the dedup window (retries, replays)',
      registers: [registry],
    }),
    expired: new Counter({
      name: 'events_older_than_retention_total',
      help: "New events older than EVENT_RETENTION: written to their user's key, not to event_log",
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'write_retries_total',
      help: 'Failed writes that will be retried, by target and error code',
      labelNames: ['target', 'code'],
      registers: [registry],
    }),
    chunkSize: new Histogram({
      name: 'store_chunk_events',
      help: 'Records per chunk: one store-script call, at most WRITE_CHUNK_EVENTS of a fetched batch',
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'redis_write_seconds',
      help: 'Duration of one chunk written to Redis',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}
