import { cpuRows, startCpuMeter } from '../lib/cpu.js';
import { storedEvent } from '../lib/events.js';
import { benchRedis, deletePrefix, redisKeys, writeLikeTheConsumer } from '../lib/redis-helpers.js';
import type { Scenario } from '../lib/report.js';
import {
  brokerProcess,
  createTopic,
  deleteTopics,
  kafka,
  redisProcess,
  runId,
  startService,
  tuningFor,
} from '../lib/stack.js';

export const ingestScenario: Scenario = async ({ quick }) => {
  const count = quick ? 20_000 : 200_000;
  const id = runId('ingest');
  const topic = id;
  const dlq = `${id}.dlq`;
  await createTopic(topic);
  await createTopic(dlq, 1);
  const base = Date.now() - count;
  const records = Array.from({ length: count }, (_, i) => storedEvent(i, base));
  const producer = kafka('bench-preload').producer();
  await producer.connect();
  for (let i = 0; i < records.length; i += 5_000) {
    await producer.send({
      topic,
      acks: -1,
      messages: records.slice(i, i + 5_000).map((r) => ({ key: r.event.user_id, value: r.json })),
    });
  }
  await producer.disconnect();

  const redis = benchRedis();
  const ceilingPrefix = `${id}:ceiling:`;
  const ceilingMeter = startCpuMeter([redisProcess()]);
  const ceilingStarted = performance.now();
  await writeLikeTheConsumer(redis, redisKeys(ceilingPrefix), records);
  const ceiling = count / ((performance.now() - ceilingStarted) / 1000);
  const ceilingCpu = ceilingMeter.stop();

  const prefix = `${id}:`;
  const log = redisKeys(prefix).eventLog;
  const consumer = await startService('event-consumer', {
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: dlq,
    KAFKA_GROUP_ID: id,
    REDIS_KEY_PREFIX: prefix,
  });
  const meter = startCpuMeter([{ name: 'event-consumer', pid: consumer.pid }, brokerProcess(), redisProcess()]);
  const started = performance.now();
  let stored = 0;
  const deadline = started + 300_000;
  while (stored < count && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    stored = await redis.zcard(log);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  await consumer.stop();
  await deletePrefix(redis, prefix);
  await deletePrefix(redis, ceilingPrefix);
  redis.disconnect();
  await deleteTopics([topic, dlq]);
  const rate = stored / seconds;
  return {
    parameters: {
      events: count,
      partitions: 3,
      eventBytes: Buffer.byteLength(records[0]!.json),
      consumer: tuningFor('event-consumer'),
    },
    errors: count - stored,
    rows: [
      {
        scenario: 'ingest',
        measure: `consumer: ${count} preloaded events into Redis`,
        value: rate,
        unit: 'events/s',
        note: `${seconds.toFixed(1)} s from ready`,
      },
      { scenario: 'ingest', measure: "ceiling: consumer's storeEvents, no Kafka", value: ceiling, unit: 'events/s' },
      { scenario: 'ingest', measure: 'ingest ÷ Redis ceiling', value: rate / ceiling, unit: 'ratio' },
      { scenario: 'ingest', measure: 'events missing at the end', value: count - stored, unit: 'count' },
      ...cpuRows('ingest', 'consumer', cpu, stored),
      ...cpuRows(
        'ingest',
        'ceiling storeEvents',
        { 'storeEvents (in harness)': ceilingCpu.harness!, redis: ceilingCpu.redis ?? 0 },
        count,
      ),
    ],
  };
};
