import { clientEvent } from '../lib/events.js';
import { atFixedRate } from '../lib/load.js';
import { benchRedis, deletePrefix } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { createTopic, deleteTopics, type RunningProcess, runId, startService } from '../lib/stack.js';

const MiB = 2 ** 20;

export const steadyScenario: Scenario = async ({ quick }) => {
  const rate = 300;
  const durationSeconds = quick ? 5 : 60;
  const id = runId('steady');
  await createTopic(id);
  await createTopic(`${id}.dlq`, 1);
  const prefix = `${id}:`;
  const processes: RunningProcess[] = [
    await startService('event-generator', { KAFKA_TOPIC: id }),
    await startService('event-consumer', {
      KAFKA_TOPIC: id,
      KAFKA_DLQ_TOPIC: `${id}.dlq`,
      KAFKA_GROUP_ID: id,
      REDIS_KEY_PREFIX: prefix,
    }),
    await startService('event-viewer', { REDIS_KEY_PREFIX: prefix }),
  ];
  const [generator, , viewer] = processes as [RunningProcess, RunningProcess, RunningProcess];
  const samples = new Map<string, number[]>(processes.map((p) => [p.name, []]));
  const heaps = new Map<string, number[]>(processes.map((p) => [p.name, []]));
  const sampler = setInterval(() => {
    for (const p of processes) {
      samples.get(p.name)!.push(p.rssBytes());
      // Heap in use, from the service's own /metrics: RSS alone cannot tell a leak from V8 growing its heap.
      void fetch(`${p.url}/metrics`)
        .then((r) => r.text())
        .then((text) =>
          heaps.get(p.name)!.push(Number(/nodejs_heap_size_used_bytes\{[^}]*\} (\S+)/.exec(text)?.[1] ?? Number.NaN)),
        )
        .catch(() => undefined);
    }
  }, 1_000);
  let errors = 0;
  await atFixedRate(rate, durationSeconds, async (i) => {
    const res = await fetch(`${generator.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(clientEvent(i)),
    });
    await res.arrayBuffer();
    if (res.status !== 202) errors++;
    if (i % 100 === 0) {
      const view = await fetch(`${viewer.url}/events?limit=50`, { headers: { accept: 'application/json' } });
      await view.arrayBuffer();
      if (!view.ok) errors++;
    }
  });
  clearInterval(sampler);
  for (const p of processes) await p.stop();
  const redis = benchRedis();
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await deleteTopics([id, `${id}.dlq`]);
  const rows: Row[] = [];
  for (const [name, values] of samples) {
    // The first quarter is warm-up (JIT, pools); growth is measured after it.
    const settled = values.slice(Math.floor(values.length / 4));
    const first = settled[0] ?? 0;
    const last = settled.at(-1) ?? 0;
    rows.push({
      scenario: 'steady',
      measure: `${name} RSS growth after warm-up`,
      value: (last - first) / MiB,
      unit: 'MiB',
      note: `${(first / MiB).toFixed(0)} → ${(last / MiB).toFixed(0)} MiB, max \
${(Math.max(...values) / MiB).toFixed(0)} MiB`,
    });
    const heap = heaps.get(name)!.slice(Math.floor(values.length / 4));
    const half = Math.floor(heap.length / 2);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    rows.push({
      scenario: 'steady',
      measure: `${name} heap used, 2nd half − 1st half`,
      value: (mean(heap.slice(half)) - mean(heap.slice(0, half))) / MiB,
      unit: 'MiB',
      note: `mean ${(mean(heap.slice(0, half)) / MiB).toFixed(
        0,
      )} → ${(mean(heap.slice(half)) / MiB).toFixed(0)} MiB, max \
${(Math.max(...heap) / MiB).toFixed(0)} MiB`,
    });
  }
  rows.push({ scenario: 'steady', measure: 'errors', value: errors, unit: 'count' });
  return { parameters: { ratePerSecond: rate, durationSeconds, sampleEverySeconds: 1 }, errors, rows };
};
