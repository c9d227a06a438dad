import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const NOW = 1_000_000;

function metricsHolding(partitions: number[], lastStoredAt: Record<number, number> = {}) {
  let reads = 0;
  const metrics = createMetrics(
    'events',
    async () => {
      reads++;
      return [
        { partition: 0, lag: 5 },
        { partition: 1, lag: 7 },
        { partition: 2, lag: 0 },
      ];
    },
    { partitions: () => new Set(partitions), lastStoredAt: (p) => lastStoredAt[p] },
    () => NOW,
  );
  return { metrics, reads: () => reads };
}

const samples = async (metrics: ReturnType<typeof createMetrics>, name: string) =>
  Object.fromEntries(
    ((await metrics.registry.getSingleMetric(name)!.get()).values ?? []).map((v) => [v.labels.partition, v.value]),
  );

describe('the consumer’s lag metrics', () => {
  it('count only the partitions this member holds, so a sum over replicas counts each once', async () => {
    const { metrics } = metricsHolding([0, 2]);
    expect(await samples(metrics, 'consumer_lag')).toEqual({ '0': 5, '2': 0 });
  });

  it('give seconds since the last stored record while records wait, 0 caught up, nothing unknown', async () => {
    const { metrics } = metricsHolding([0, 1, 2], { 0: NOW - 30_000 });
    // Partition 1 waits but this member has stored nothing from it yet: no figure rather than a wrong one.
    expect(await samples(metrics, 'consumer_lag_seconds')).toEqual({ '0': 30, '2': 0 });
  });

  it('report nothing while the member holds no partition (not in the group)', async () => {
    const { metrics } = metricsHolding([]);
    expect(await samples(metrics, 'consumer_lag')).toEqual({});
    expect(await samples(metrics, 'consumer_lag_seconds')).toEqual({});
  });

  it('read Kafka once for both gauges of one scrape', async () => {
    const { metrics, reads } = metricsHolding([0]);
    await metrics.registry.metrics();
    expect(reads()).toBe(1);
  });
});
