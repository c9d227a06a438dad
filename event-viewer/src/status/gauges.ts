import { Gauge, type Registry } from 'prom-client';
import { LAG_STATES } from './lag-states.js';
import type { PipelineSnapshot } from './pipeline-status.js';

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
    'Age of the oldest record the consumer group has not committed, per partition (estimated from the end offsets ' +
      'sampled over time)',
    ['group', 'topic', 'partition'],
    (g) => {
      for (const p of snapshot().partitions ?? [])
        g.set({ group: labels.group, topic: labels.topic, partition: String(p.partition) }, p.lagSeconds);
    },
  );
  gauge(
    'kafka_group_lag_state',
    "Each partition's consumer judged over LAG_WINDOW by Burrow's rules: 1 for its state (ok, warning, stall, stop, " +
      'rewind), 0 for the others',
    ['group', 'topic', 'partition', 'state'],
    (g) => {
      for (const p of snapshot().partitions ?? [])
        for (const state of LAG_STATES)
          g.set(
            { group: labels.group, topic: labels.topic, partition: String(p.partition), state },
            p.state === state ? 1 : 0,
          );
    },
  );
  gauge('kafka_group_members', 'Members of the consumer group', ['group'], (g) => {
    const group = snapshot().group;
    if (group) g.set({ group: labels.group }, group.members.length);
  });
  gauge(
    'kafka_topic_records',
    'Records a topic holds (end minus start offsets), for the dead-letter topic',
    ['topic'],
    (g) => {
      const dlq = snapshot().dlq;
      if (dlq) g.set({ topic: labels.dlq }, dlq.depth);
    },
  );
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
