import { loadConfig as loadGeneratorConfig } from '../../event-generator/src/config.js';
import { startCeilingServer } from '../lib/ceilings.js';
import { cpuRows, startCpuMeter } from '../lib/cpu.js';
import { clientEvent, storedEvent } from '../lib/events.js';
import { hammer } from '../lib/load.js';
import type { Row, Scenario } from '../lib/report.js';
import { scrapeMetrics } from '../lib/service-metrics.js';
import { brokerProcess, createTopic, deleteTopics, kafka, runId, startService, tuningFor } from '../lib/stack.js';

/** The mean of the generator's `publish_batch_events` histogram: events per Kafka produce request. */
async function meanPublishBatch(url: string): Promise<number> {
  const metric = await scrapeMetrics(url);
  return metric('publish_batch_events_sum') / metric('publish_batch_events_count');
}

/** The same POST load for the ceilings and for event-generator. */
function postLoad(url: string, body: string, connections: number, durationSeconds: number) {
  return hammer({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections,
    durationSeconds,
  });
}

/** A server answering 202 with a body of the same size, without Kafka: what the framework alone costs. */
async function httpCeiling(kind: 'node:http' | 'express', body: string, connections: number, durationSeconds: number) {
  const reply = JSON.stringify({ ...JSON.parse(body), event_id: '00000000-0000-4000-8000-000000000000', timestamp: 0 });
  const server = await startCeilingServer(kind, { status: 202, contentType: 'application/json', body: reply });
  try {
    const meter = startCpuMeter([{ name: kind, pid: server.pid }]);
    const result = await postLoad(`${server.url}/publish`, body, connections, durationSeconds);
    return { result, cpu: meter.stop() };
  } finally {
    server.stop();
  }
}

/**
 * kafkajs in-process, same acks: with large batches, what Kafka itself takes from one Node process; with
 * the generator's own batch size and in-flight bound, what its produce requests cost the broker anyway.
 */
async function kafkaCeiling(topic: string, durationSeconds: number, batchSize = 1_000, inFlight = 4) {
  const producer = kafka('bench-ceiling').producer();
  await producer.connect();
  const batch = Array.from({ length: batchSize }, (_, i) => storedEvent(i)).map((r) => ({
    key: r.event.user_id,
    value: r.json,
  }));
  let sent = 0;
  const meter = startCpuMeter([brokerProcess()]);
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      await producer.send({ topic, acks: -1, messages: batch });
      sent += batch.length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  await producer.disconnect();
  // The producer is this harness: its CPU is the Kafka client's.
  return {
    eventsPerSecond: sent / seconds,
    events: sent,
    cpu: { 'kafkajs (in harness)': cpu.harness!, broker: cpu.broker ?? 0 },
  };
}

/** The generator under the load: its answers, its and the broker's CPU, and the mean size of its produce requests. */
async function publishUnderLoad(topic: string, body: string, connections: number, durationSeconds: number) {
  const generator = await startService('event-generator', { KAFKA_TOPIC: topic });
  try {
    const meter = startCpuMeter([{ name: 'event-generator', pid: generator.pid }, brokerProcess()]);
    const publish = await postLoad(`${generator.url}/publish`, body, connections, durationSeconds);
    const cpu: Record<string, number> = meter.stop();
    return { publish, cpu, meanBatch: await meanPublishBatch(generator.url) };
  } finally {
    await generator.stop();
  }
}

export const publishScenario: Scenario = async ({ connections, durationSeconds }) => {
  const topic = runId('publish');
  const ceilingTopic = `${topic}-ceiling`;
  await createTopic(topic);
  await createTopic(ceilingTopic);
  const body = JSON.stringify(clientEvent(1));
  // The generator's settings as it runs them: its defaults and any BENCH_GENERATOR_ tuning.
  const generatorSettings = loadGeneratorConfig(tuningFor('event-generator'));
  try {
    const bare = await httpCeiling('node:http', body, connections, durationSeconds);
    const express = await httpCeiling('express', body, connections, durationSeconds);
    const kafkaJs = await kafkaCeiling(ceilingTopic, durationSeconds);
    const { publish, cpu, meanBatch } = await publishUnderLoad(topic, body, connections, durationSeconds);
    const maxInFlight = generatorSettings.PUBLISH_MAX_IN_FLIGHT;
    const small = await kafkaCeiling(ceilingTopic, durationSeconds, Math.max(1, Math.round(meanBatch)), maxInFlight);
    const rows: Row[] = [
      {
        scenario: 'publish',
        measure: 'POST /publish throughput',
        value: publish.requestsPerSecond,
        unit: 'req/s',
        note: `${publish.requests} requests`,
      },
      { scenario: 'publish', measure: 'POST /publish latency p50', value: publish.p50Ms, unit: 'ms' },
      { scenario: 'publish', measure: 'POST /publish latency p99', value: publish.p99Ms, unit: 'ms' },
      {
        scenario: 'publish',
        measure: 'errors (connection + non-2xx)',
        value: publish.errors + publish.non2xx,
        unit: 'count',
      },
      {
        scenario: 'publish',
        measure: 'ceiling: bare node:http 202',
        value: bare.result.requestsPerSecond,
        unit: 'req/s',
        note: `p99 ${bare.result.p99Ms} ms`,
      },
      {
        scenario: 'publish',
        measure: 'ceiling: express 5 handler 202',
        value: express.result.requestsPerSecond,
        unit: 'req/s',
        note: `p99 ${express.result.p99Ms} ms`,
      },
      {
        scenario: 'publish',
        measure: 'ceiling: kafkajs in-process, 1000/batch',
        value: kafkaJs.eventsPerSecond,
        unit: 'events/s',
      },
      {
        scenario: 'publish',
        measure: 'events per produce request, generator (mean)',
        value: meanBatch,
        unit: 'events',
        note: `${connections} connections, at most ${maxInFlight} requests in flight`,
      },
      {
        scenario: 'publish',
        measure: `kafkajs in-process, ${Math.round(meanBatch)}/batch, ${maxInFlight} in flight`,
        value: small.eventsPerSecond,
        unit: 'events/s',
        note: "the generator's batches without HTTP",
      },
      {
        scenario: 'publish',
        measure: 'publish ÷ node:http ceiling',
        value: publish.requestsPerSecond / bare.result.requestsPerSecond,
        unit: 'ratio',
      },
      {
        scenario: 'publish',
        measure: 'publish ÷ express ceiling',
        value: publish.requestsPerSecond / express.result.requestsPerSecond,
        unit: 'ratio',
      },
      {
        scenario: 'publish',
        measure: 'publish ÷ Kafka ceiling',
        value: publish.requestsPerSecond / kafkaJs.eventsPerSecond,
        unit: 'ratio',
      },
      ...cpuRows('publish', 'POST /publish', cpu, publish.requests),
      ...cpuRows('publish', 'ceiling express', express.cpu, express.result.requests),
      ...cpuRows('publish', 'ceiling kafkajs', kafkaJs.cpu, kafkaJs.events),
      ...cpuRows('publish', `kafkajs at the generator's batches`, small.cpu, small.events),
    ];
    return {
      parameters: {
        connections,
        durationSeconds,
        bodyBytes: Buffer.byteLength(body),
        lingerMs: generatorSettings.PUBLISH_LINGER_MS,
        lingerEvents: generatorSettings.PUBLISH_LINGER_EVENTS,
        maxInFlight: generatorSettings.PUBLISH_MAX_IN_FLIGHT,
        acks: 'all',
      },
      errors: publish.errors + publish.non2xx,
      rows,
    };
  } finally {
    await deleteTopics([topic, ceilingTopic]);
  }
};
