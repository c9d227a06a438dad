import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/launcher/process-state.ts';
import { type OwnKafka, startOwnKafka } from '../support/own-kafka.js';
import { waitFor } from '../support/wait.js';

/** infra/kafka/kafka.sh: data survives stop/start, wipe starts clean, start twice is harmless. */
describe('the local runtime’s Kafka', () => {
  let broker: OwnKafka;
  const client = () =>
    new Kafka({ clientId: 'local-kafka-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });

  async function topics(): Promise<string[]> {
    const admin = client().admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    broker = await startOwnKafka();
  });
  afterAll(async () => {
    await broker?.remove();
  });

  it('creates events and events.dlq on start, and starting again is harmless', async () => {
    expect(await topics()).toEqual(['events', 'events.dlq']);
    await broker.start();
    expect(await topics()).toEqual(['events', 'events.dlq']);
  });

  it('keeps topics and records across stop and start, and starts clean after wipe', async () => {
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kept', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = client().producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ value: 'still here' }] });
    await producer.disconnect();

    await broker.stop();
    await broker.start();
    expect(await topics()).toEqual(['events', 'events.dlq', 'kept']);
    const offsets = await (async () => {
      const a = client().admin();
      await a.connect();
      try {
        return await a.fetchTopicOffsets('kept');
      } finally {
        await a.disconnect();
      }
    })();
    expect(offsets[0]?.high).toBe('1');

    await broker.wipe();
    await broker.start();
    expect(await topics()).toEqual(['events', 'events.dlq']);
  });

  it('starts a new broker right after the last one was killed, judging readiness by this start only', {
    timeout: 180_000,
  }, async () => {
    const killed = broker.pid();
    process.kill(killed, 'SIGKILL');
    // Dead (a zombie nobody reaps, on machines whose PID 1 does not), not yet cleaned up after.
    await waitFor(async () => !isAlive(killed), 10_000, 'the broker gone');
    await broker.start();
    expect(broker.pid()).not.toBe(killed);
    expect(await topics()).toEqual(['events', 'events.dlq']);
  });
});
