import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadConfig as generatorDefaults } from '../../event-generator/src/config.js';
import { clientEvent, storedEvent } from '../lib/events.js';
import { hammer } from '../lib/load.js';
import type { Scenario } from '../lib/report.js';
import { createTopic, deleteTopics, freePort, kafka, runId, startService } from '../lib/stack.js';

/** The same POST load for the ceiling and for event-generator. */
function postLoad(url: string, body: string, connections: number, durationSeconds: number) {
  return hammer({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, durationSeconds });
}

/** A bare node:http server answering 202 with a body of the same size: the HTTP ceiling. */
async function bareHttpCeiling(body: string, connections: number, durationSeconds: number) {
  const port = await freePort();
  const reply = JSON.stringify({ ...JSON.parse(body), event_id: '00000000-0000-4000-8000-000000000000', timestamp: 0 });
  const source = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(202, { 'content-type': 'application/json' }); s.end(${JSON.stringify(reply)}); }); }).listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  try {
    return await postLoad(`http://127.0.0.1:${port}/publish`, body, connections, durationSeconds);
  } finally {
    child.kill();
  }
}

/** kafkajs in-process, large batches, same acks: what Kafka itself takes from one Node process. */
async function kafkaCeiling(topic: string, durationSeconds: number): Promise<number> {
  const producer = kafka('bench-ceiling').producer();
  await producer.connect();
  const batch = Array.from({ length: 1_000 }, (_, i) => storedEvent(i)).map((r) => ({ key: r.event.user_id, value: r.json }));
  let sent = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      await producer.send({ topic, acks: -1, messages: batch });
      sent += batch.length;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return sent / seconds;
}

export const publishScenario: Scenario = async ({ connections, durationSeconds }) => {
  const topic = runId('publish');
  const ceilingTopic = `${topic}-ceiling`;
  await createTopic(topic);
  await createTopic(ceilingTopic);
  const body = JSON.stringify(clientEvent(1));
  try {
    const http = await bareHttpCeiling(body, connections, durationSeconds);
    const kafkaEventsPerSecond = await kafkaCeiling(ceilingTopic, durationSeconds);
    const generator = await startService('event-generator', { KAFKA_TOPIC: topic });
    let publish: Awaited<ReturnType<typeof hammer>>;
    try {
      publish = await postLoad(`${generator.url}/publish`, body, connections, durationSeconds);
    } finally {
      await generator.stop();
    }
    return {
      parameters: {
        connections,
        durationSeconds,
        bodyBytes: Buffer.byteLength(body),
        lingerMs: generatorDefaults({}).PUBLISH_LINGER_MS,
        maxInFlight: generatorDefaults({}).PUBLISH_MAX_IN_FLIGHT,
        acks: 'all',
      },
      errors: publish.errors + publish.non2xx,
      rows: [
        {
          scenario: 'publish',
          measure: 'POST /publish throughput',
          value: publish.requestsPerSecond,
          unit: 'req/s',
          note: `${publish.requests} requests`,
        },
        { scenario: 'publish', measure: 'POST /publish latency p50', value: publish.p50Ms, unit: 'ms' },
        { scenario: 'publish', measure: 'POST /publish latency p99', value: publish.p99Ms, unit: 'ms' },
        { scenario: 'publish', measure: 'errors (connection + non-2xx)', value: publish.errors + publish.non2xx, unit: 'count' },
        {
          scenario: 'publish',
          measure: 'ceiling: bare node:http 202',
          value: http.requestsPerSecond,
          unit: 'req/s',
          note: `p99 ${http.p99Ms} ms`,
        },
        { scenario: 'publish', measure: 'ceiling: kafkajs in-process, 1000/batch', value: kafkaEventsPerSecond, unit: 'events/s' },
        {
          scenario: 'publish',
          measure: 'publish ÷ HTTP ceiling',
          value: publish.requestsPerSecond / http.requestsPerSecond,
          unit: 'ratio',
        },
        { scenario: 'publish', measure: 'publish ÷ Kafka ceiling', value: publish.requestsPerSecond / kafkaEventsPerSecond, unit: 'ratio' },
      ],
    };
  } finally {
    await deleteTopics([topic, ceilingTopic]);
  }
};
