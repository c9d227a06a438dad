import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/launcher/process-state.ts';
import { type OwnKafka, startOwnKafka } from '../support/own-kafka.js';
import { waitFor } from '../support/wait.js';

/** infra/kafka/kafka.sh: data survives stop/start, wipe starts clean, start twice is harmless. */
describe('the local runtime’s Kafka', () => {
  let broker: OwnKafka;
  const client = (retries = 5) =>
    new Kafka({
      clientId: 'local-kafka-test',
      brokers: [broker.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries },
    });

  /** `retries: 0` asks whether the broker answers now, not within kafkajs's half a minute of retries. */
  async function topics({ retries = 5 } = {}): Promise<string[]> {
    const admin = client(retries).admin();
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

  // Three broker starts and two stops (each stop may wait 30 s for a controlled shutdown): on a loaded CI
  // machine that is more than the suite's default minute.
  it('keeps topics and records across stop and start, and starts clean after wipe', {
    timeout: 180_000,
  }, async () => {
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
    // Whatever an earlier test left, the new broker must serve the same topics at once.
    const before = await topics();
    expect(before).toEqual(expect.arrayContaining(['events', 'events.dlq']));
    const killed = broker.pid();
    process.kill(killed, 'SIGKILL');
    // Dead (a zombie nobody reaps, on machines whose PID 1 does not), not yet cleaned up after.
    await waitFor(async () => !isAlive(killed), 10_000, 'the broker gone');
    await broker.start();
    expect(broker.pid()).not.toBe(killed);
    expect(await topics({ retries: 0 })).toEqual(before);
  });
});
