import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PipelineSnapshot } from './pipeline-status.js';

export interface ViewerMetrics {
  registry: Registry;
  /** Redis failures by where they happened: connection, live_read, catch_up. */
  redisErrors: Counter<'kind'>;
  liveDropped: Counter;
  liveGaps: Counter<'reason'>;
  /** The newest pages answered from memory (hit) or read from Redis (miss). */
  pageCache: Counter<'result'>;
}

export function createMetrics(liveClients: () => number): ViewerMetrics {
  const registry = createRegistry('event-viewer');
  new Gauge({
    name: 'live_clients',
    help: 'Open server-sent-event connections',
    registers: [registry],
    collect() {
      this.set(liveClients());
    },
  });
  return {
    registry,
    redisErrors: new Counter({
      name: 'redis_errors_total',
      help: 'Redis failures, by where: connection, live_read (the stream reader), catch_up (a live client catching up)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    liveDropped: new Counter({
      name: 'live_clients_dropped_total',
      help: 'Live clients dropped for reading too slowly (they resume on reconnect)',
      registers: [registry],
    }),
    liveGaps: new Counter({
      name: 'live_stream_gaps_total',
      help: 'Live clients told of a gap: their Last-Event-ID was ahead of the stream, or trimmed from it',
      labelNames: ['reason'],
      registers: [registry],
    }),
    pageCache: new Counter({
      name: 'page_cache_requests_total',
      help: 'Requests for the newest unfiltered pages: answered from memory (hit) or read from Redis (miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

/** The live-client cap, so an alert can compare live_clients with it. */
export function registerLiveCap(registry: Registry, max: number): void {
  new Gauge({ name: 'live_clients_max', help: 'LIVE_MAX_CLIENTS: live connections beyond it get 503', registers: [registry] }).set(max);
}

/**
 * The pipeline as the viewer samples it from Kafka and Redis (pipeline-status.ts): what the alert rules
 * read (infra/prometheus/rules.yml). Lag is the group's, measured from outside it, so it keeps growing
 * while every consumer is down. A series is absent while its source does not answer.
 */
export function registerStatusGauges(
  registry: Registry,
  snapshot: () => PipelineSnapshot,
  labels: { group: string; topic: string; dlq: string },
): void {
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge<string>) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  gauge(
    'kafka_group_lag_records',
    'Records of the events topic the consumer group has not committed, per partition',
    ['group', 'topic', 'partition'],
    (g) => {
      for (const p of snapshot().partitions ?? [])
        g.set({ group: labels.group, topic: labels.topic, partition: String(p.partition) }, p.lagRecords);
    },
  );
  gauge(
    'kafka_group_lag_seconds',
    'Age of the oldest record the consumer group has not committed, per partition (estimated from the end offsets sampled over time)',
    ['group', 'topic', 'partition'],
    (g) => {
      for (const p of snapshot().partitions ?? [])
        g.set({ group: labels.group, topic: labels.topic, partition: String(p.partition) }, p.lagSeconds);
    },
  );
  gauge('kafka_group_members', 'Members of the consumer group', ['group'], (g) => {
    const group = snapshot().group;
    if (group) g.set({ group: labels.group }, group.members.length);
  });
  gauge('kafka_topic_records', 'Records a topic holds (end minus start offsets), for the dead-letter topic', ['topic'], (g) => {
    const dlq = snapshot().dlq;
    if (dlq) g.set({ topic: labels.dlq }, dlq.depth);
  });
  gauge('kafka_brokers', 'Brokers in the cluster', [], (g) => {
    const kafka = snapshot().kafka;
    if (kafka) g.set(kafka.brokers.length);
  });
  gauge(
    'kafka_under_replicated_partitions',
    'Partitions of the events and dead-letter topics with fewer in-sync replicas than replicas',
    [],
    (g) => {
      const kafka = snapshot().kafka;
      if (kafka) g.set(kafka.underReplicated);
    },
  );
  gauge('redis_memory_used_bytes', 'Redis used_memory', [], (g) => {
    const redis = snapshot().redis;
    if (redis) g.set(redis.usedBytes);
  });
  gauge('redis_memory_max_bytes', 'Redis maxmemory (0: no budget)', [], (g) => {
    const redis = snapshot().redis;
    if (redis) g.set(redis.maxBytes);
  });
  gauge(
    'redis_connected_replicas',
    'Replicas online at the Redis primary; only when the viewer finds Redis through Sentinels (replicated topology)',
    [],
    (g) => {
      const redis = snapshot().redis;
      if (redis?.sentinel) g.set(redis.replicas.filter((r) => r.state === 'online').length);
    },
  );
}
