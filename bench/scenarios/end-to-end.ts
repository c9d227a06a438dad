import { monitorEventLoopDelay } from 'node:perf_hooks';
import { clientEvent } from '../lib/events.js';
import { atFixedRate, percentile } from '../lib/load.js';
import { benchRedis, deletePrefix, redisKeys } from '../lib/redis-helpers.js';
import type { Scenario } from '../lib/report.js';
import { createTopic, deleteTopics, runId, startService } from '../lib/stack.js';

export const endToEndScenario: Scenario = async ({ quick }) => {
  const rate = quick ? 100 : 500;
  const durationSeconds = quick ? 3 : 20;
  const id = runId('e2e');
  await createTopic(id);
  await createTopic(`${id}.dlq`, 1);
  const prefix = `${id}:`;
  const log = redisKeys(prefix).eventLog;
  const consumer = await startService('event-consumer', {
    KAFKA_TOPIC: id,
    KAFKA_DLQ_TOPIC: `${id}.dlq`,
    KAFKA_GROUP_ID: id,
    REDIS_KEY_PREFIX: prefix,
  });
  const generator = await startService('event-generator', { KAFKA_TOPIC: id });
  const redis = benchRedis();
  // Member → time its POST was sent; the 202's body is exactly the member the consumer stores.
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  // The two halves of each latency: until the 202 (Kafka acknowledged), then until stored.
  const ackLatencies: number[] = [];
  const ackedAt = new Map<string, number>();
  const afterAck: number[] = [];
  let errors = 0;
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      const members = [...pending.keys()];
      if (members.length > 0) {
        const scores = await redis.zmscore(log, ...members);
        const now = performance.now();
        members.forEach((m, i) => {
          if (scores[i] !== null) {
            latencies.push(now - pending.get(m)!);
            afterAck.push(now - ackedAt.get(m)!);
            ackedAt.delete(m);
            pending.delete(m);
          }
        });
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  // The harness is part of the measurement: its own event-loop delay is reported alongside.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const sentAt = new Map<number, number>();
  await atFixedRate(rate, durationSeconds, async (i) => {
    sentAt.set(i, performance.now());
    const res = await fetch(`${generator.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(clientEvent(i)),
    });
    const text = await res.text();
    if (res.status === 202) {
      const now = performance.now();
      ackLatencies.push(now - sentAt.get(i)!);
      ackedAt.set(text, now);
      pending.set(text, sentAt.get(i)!);
    } else errors++;
  });
  const drainDeadline = performance.now() + 30_000;
  while (pending.size > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  const missing = pending.size;
  pending.clear();
  polling = false;
  await poller;
  await generator.stop();
  await consumer.stop();
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await deleteTopics([id, `${id}.dlq`]);
  loopDelay.disable();
  for (const list of [latencies, ackLatencies, afterAck]) list.sort((a, b) => a - b);
  return {
    parameters: { ratePerSecond: rate, durationSeconds, pollIntervalMs: 2 },
    errors: errors + missing,
    rows: [
      {
        scenario: 'e2e',
        measure: `POST sent → in event_log, at ${rate}/s`,
        value: percentile(latencies, 50),
        unit: 'ms p50',
        note: `${latencies.length} events`,
      },
      { scenario: 'e2e', measure: 'same, p99', value: percentile(latencies, 99), unit: 'ms p99' },
      { scenario: 'e2e', measure: 'same, max', value: latencies.at(-1) ?? Number.NaN, unit: 'ms max' },
      {
        scenario: 'e2e',
        measure: 'of which POST → 202 (Kafka acked), p50 / p99',
        value: percentile(ackLatencies, 50),
        unit: 'ms p50',
        note: `p99 ${percentile(ackLatencies, 99).toFixed(1)} ms`,
      },
      {
        scenario: 'e2e',
        measure: 'of which 202 → in event_log, p50 / p99',
        value: percentile(afterAck, 50),
        unit: 'ms p50',
        note: `p99 ${percentile(afterAck, 99).toFixed(1)} ms`,
      },
      {
        scenario: 'e2e',
        measure: "harness's own event-loop delay, p99",
        value: loopDelay.percentile(99) / 1e6,
        unit: 'ms',
        note: `max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
      },
      { scenario: 'e2e', measure: 'errors + never stored', value: errors + missing, unit: 'count' },
    ],
  };
};
