import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decodeStreamEntry } from '@eventstreamapp/event-schema';
import { cpuRows, startCpuMeter } from '../lib/cpu.js';
import { clientEvent } from '../lib/events.js';
import { atFixedRate, createRefusals, percentile, postJson } from '../lib/load.js';
import { benchRedis, redisKeys } from '../lib/redis-helpers.js';
import type { Scenario } from '../lib/report.js';
import { brokerProcess, redisProcess, startPipeline } from '../lib/stack.js';

/**
 * The consumer's fetch as configured by default (adaptive: at the first record when idle, gathering 64 KiB or
 * 10 ms while records flow) and as kafkajs sizes it unpatched by default (every fetch at the first record).
 */
const FETCH_SETTINGS: { consumerEnv: Record<string, string>; label: string }[] = [
  { consumerEnv: {}, label: '' },
  {
    consumerEnv: { KAFKA_FETCH_MIN_BYTES: '1', KAFKA_FETCH_GATHER_MS: '0' },
    label: ', fetch at the first record',
  },
];

/**
 * POSTs at 500/s, then at 1,000/s (issue goal: p99 ≤ 30 ms there), each on a fresh pipeline, with the
 * consumer's default (adaptive) fetch and then with every fetch answered at the first record.
 */
export const endToEndScenario: Scenario = async ({ quick }) => {
  const runs = [];
  for (const { consumerEnv, label } of FETCH_SETTINGS) {
    for (const rate of quick ? [100] : [500, 1_000])
      runs.push(await endToEndAt(`${rate}/s${label}`, rate, quick ? 3 : 20, consumerEnv));
  }
  return {
    parameters: { ...runs[0]!.parameters, ratePerSecond: runs.map((r) => r.parameters.ratePerSecond) },
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    rows: runs.flatMap((r) => r.rows),
  };
};

/**
 * Each event's latency from its POST to stored, and its two halves: until the 202 (Kafka acknowledged), then
 * until stored. The 202's body is exactly the member the consumer stores, which matches the two.
 */
function createLatencyMatcher() {
  // Member → time its POST was sent, for those acknowledged and not yet seen stored.
  const pending = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  // Stored before the harness had read its 202 (the consumer can be that quick): matched when the 202 comes.
  const storedEarly = new Map<string, number>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const afterAck: number[] = [];
  return {
    pending,
    latencies,
    ackLatencies,
    afterAck,
    acknowledged(json: string, sent: number, now: number): void {
      ackLatencies.push(now - sent);
      const stored = storedEarly.get(json);
      if (stored !== undefined) {
        latencies.push(stored - sent);
        afterAck.push(0);
        storedEarly.delete(json);
        return;
      }
      ackedAt.set(json, now);
      pending.set(json, sent);
    },
    stored(json: string, now: number): void {
      const sent = pending.get(json);
      if (sent === undefined) {
        storedEarly.set(json, now);
        return;
      }
      latencies.push(now - sent);
      afterAck.push(now - ackedAt.get(json)!);
      ackedAt.delete(json);
      pending.delete(json);
    },
  };
}

/** Reads the stored-event stream from `from` on, in blocking reads, telling `times` when each event was stored. */
async function watchStored(
  follower: ReturnType<typeof benchRedis>,
  stream: string,
  from: string,
  times: ReturnType<typeof createLatencyMatcher>,
  watching: () => boolean,
): Promise<void> {
  let last = from;
  while (watching() || times.pending.size > 0) {
    const reply = (await follower.xread('COUNT', 1000, 'BLOCK', 500, 'STREAMS', stream, last)) as
      | [string, [string, string[]][]][]
      | null;
    const now = performance.now();
    // An entry holds one stored chunk's events (the stream entry's format, event-schema's store).
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      last = id;
      for (const { json } of decodeStreamEntry(fields)) times.stored(json, now);
    }
  }
}

/** One run; `at` names it in every row ("1000/s", "1000/s, fetch …"). */
async function endToEndAt(
  at: string,
  rate: number,
  durationSeconds: number,
  consumerEnv: Record<string, string>,
): ReturnType<Scenario> {
  const pipeline = await startPipeline('e2e', consumerEnv);
  const { generator, consumer } = pipeline;
  const redis = benchRedis();
  const { eventStream: stream, eventLog } = redisKeys(pipeline.prefix);
  const times = createLatencyMatcher();
  const { pending, latencies, ackLatencies, afterAck } = times;
  const refused = createRefusals();
  let watching = true;
  // The stored-event stream tells when each event is stored, in one blocking read per batch: the
  // harness does not poll Redis (which would load the machine it measures).
  const follower = redis.duplicate();
  // The stream's head read before the first POST: read after, it could already be the entry of the
  // first events stored, which the follower would then never see (6 "never stored" in one run).
  const last = ((await follower.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][])[0]?.[0] ?? '0-0';
  const watcher = watchStored(follower, stream, last, times, () => watching);
  // The harness is part of the measurement: its own event-loop delay is reported alongside.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const meter = startCpuMeter([
    { name: 'event-generator', pid: generator.pid },
    brokerProcess(),
    { name: 'event-consumer', pid: consumer.pid },
    redisProcess(),
  ]);
  const sentAt = new Map<number, number>();
  await atFixedRate(rate, durationSeconds, async (i) => {
    sentAt.set(i, performance.now());
    const answer = await postJson(`${generator.url}/publish`, JSON.stringify(clientEvent(i)));
    const { status, text } = answer;
    if (status === 202) times.acknowledged(text, sentAt.get(i)!, performance.now());
    else refused.add(answer);
  });
  const drainDeadline = performance.now() + 30_000;
  while (pending.size > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
  const cpu = meter.stop();
  const missing = pending.size;
  // Never seen on the stream: are they in event_log all the same (the stream's reader missed them) or not at all?
  const check = redis.pipeline();
  for (const json of pending.keys()) check.zscore(eventLog, json);
  const missingInLog = ((await check.exec()) ?? []).filter(([, score]) => score !== null).length;
  pending.clear();
  watching = false;
  await watcher;
  follower.disconnect();
  redis.disconnect();
  await pipeline.stop();
  loopDelay.disable();
  for (const list of [latencies, ackLatencies, afterAck]) list.sort((a, b) => a - b);
  return {
    parameters: { ratePerSecond: rate, durationSeconds, storedSignal: 'XREAD BLOCK on the stored-event stream' },
    errors: refused.total + missing,
    rows: [
      {
        scenario: 'e2e',
        measure: `POST sent → in event_log, at ${at}`,
        value: percentile(latencies, 50),
        unit: 'ms p50',
        note: `${latencies.length} events`,
      },
      { scenario: 'e2e', measure: `same at ${at}, p99`, value: percentile(latencies, 99), unit: 'ms p99' },
      { scenario: 'e2e', measure: `same at ${at}, max`, value: latencies.at(-1) ?? Number.NaN, unit: 'ms max' },
      {
        scenario: 'e2e',
        measure: `of which POST → 202 (Kafka acked) at ${at}, p50 / p99`,
        value: percentile(ackLatencies, 50),
        unit: 'ms p50',
        note: `p99 ${percentile(ackLatencies, 99).toFixed(1)} ms`,
      },
      {
        scenario: 'e2e',
        measure: `of which 202 → in event_log at ${at}, p50 / p99`,
        value: percentile(afterAck, 50),
        unit: 'ms p50',
        note: `p99 ${percentile(afterAck, 99).toFixed(1)} ms`,
      },
      {
        scenario: 'e2e',
        measure: `harness's own event-loop delay at ${at}, p99`,
        value: loopDelay.percentile(99) / 1e6,
        unit: 'ms',
        note: `max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
      },
      {
        scenario: 'e2e',
        measure: `errors + never stored at ${at}`,
        value: refused.total + missing,
        unit: 'count',
        note: `not 202: ${refused}, never stored: ${missing}${
          missing > 0 ? ` (yet in event_log: ${missingInLog})` : ''
        }`,
      },
      ...cpuRows('e2e', `POST → stored at ${at}`, cpu, latencies.length),
    ],
  };
}
