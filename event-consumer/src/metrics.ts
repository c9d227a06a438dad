import type { PartitionLag } from '@eventstreamapp/pipeline';
import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ConsumerMetrics {
  registry: Registry;
  stored: Counter;
  duplicates: Counter;
  expired: Counter;
  deadLettered: Counter<'reason'>;
  retries: Counter<'target' | 'code'>;
  chunkSize: Histogram;
  writeSeconds: Histogram;
  /** Broker timestamp of a record → its chunk committed: publish to stored, per record. */
  storedLatency: Histogram;
}

/** What this member holds, for lag figures that add up across replicas (each reports only its own partitions). */
export interface HeldPartitions {
  /** The partitions of the topic assigned to this member (empty while it is not in the group). */
  partitions(): ReadonlySet<number>;
  /** Broker timestamp (ms) of the last record this member stored from a partition. */
  lastStoredAt(partition: number): number | undefined;
}

const SCRAPE_SHARE_MS = 1_000;

/**
 * `readLag` runs on every scrape; when Kafka does not answer in time the last figures stay. Lag is
 * reported for the partitions this member holds only, so a sum over replicas counts each partition once.
 */
export function createMetrics(
  topic: string,
  readLag: () => Promise<PartitionLag[]>,
  held: HeldPartitions,
  now: () => number = Date.now,
): ConsumerMetrics {
  const registry = createRegistry('event-consumer');
  let lastLag: PartitionLag[] = [];
  // Both lag gauges of one scrape share one read of Kafka.
  let reading: { at: number; done: Promise<void> } | undefined;
  const lagOfHeld = async () => {
    if (!reading || now() - reading.at > SCRAPE_SHARE_MS) {
      const done = Promise.race([
        readLag(),
        new Promise<undefined>((resolve) => {
          setTimeout(() => resolve(undefined), 2_000).unref();
        }),
      ])
        .catch(() => undefined)
        .then((read) => {
          if (read) lastLag = read;
        });
      reading = { at: now(), done };
    }
    await reading.done;
    const mine = held.partitions();
    return lastLag.filter((p) => mine.has(p.partition));
  };
  new Gauge({
    name: 'consumer_lag',
    help:
      "Records past the group's committed offset, per partition this member holds (high watermark minus " +
      'committed offset)',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { partition, lag: records } of await lagOfHeld())
        this.set({ topic, partition: String(partition) }, records);
    },
  });
  new Gauge({
    name: 'consumer_lag_seconds',
    help:
      'While records wait in a partition this member holds: seconds since the broker timestamp of the last record ' +
      'it stored from it ' +
      '(an upper bound of the oldest waiting record’s age); 0 when caught up',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { partition, lag: records } of await lagOfHeld()) {
        const last = held.lastStoredAt(partition);
        if (records === 0) this.set({ topic, partition: String(partition) }, 0);
        else if (last !== undefined)
          this.set({ topic, partition: String(partition) }, Math.max(0, (now() - last) / 1000));
      }
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
    storedLatency: new Histogram({
      name: 'publish_to_stored_seconds',
      help: "From a record's broker timestamp (when it was published) to its chunk stored in Redis and committed",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
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
