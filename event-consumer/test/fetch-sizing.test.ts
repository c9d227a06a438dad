import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestTopics, testKafka, uniqueName } from '../../tests/support/kafka.js';
import { fetchSizing } from '../src/group-member.js';

// The consumer's fetches adapt to the load (config.ts, KAFKA_FETCH_GATHER_MS; our kafkajs patch's
// `fetchWhileBusy`). The waits are far apart — a gather of 3 s, an idle wait of 20 s — so what is asserted is
// which wait applied, never how fast anything was.
const GATHER_MS = 3_000;
const IDLE_WAIT_MS = 20_000;

interface Arrival {
  at: number;
  records: number;
}

describe('fetches that adapt to the load', () => {
  it('answer the first record at once when idle, gather while records flow, and go back after an empty fetch', {
    timeout: 60_000,
  }, async () => {
    const topics = await createTestTopics('fetch-sizing', 1);
    onTestFinished(() => topics.remove());
    const config = {
      KAFKA_FETCH_MIN_BYTES: 1024 * 1024,
      KAFKA_FETCH_MAX_WAIT_MS: IDLE_WAIT_MS,
      KAFKA_FETCH_GATHER_MS: GATHER_MS,
    };
    const kafka = testKafka();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: topics.group, ...fetchSizing(config) });
    onTestFinished(() => Promise.all([producer.disconnect(), consumer.disconnect()]));
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: topics.events, fromBeginning: true });
    const arrivals: Arrival[] = [];
    let fetches = 0;
    consumer.on(consumer.events.FETCH_START, () => fetches++);
    await consumer.run({
      eachBatch: async ({ batch }) => {
        arrivals.push({ at: Date.now(), records: batch.messages.length });
      },
    });
    const send = async (label: string) => {
      await producer.send({ topic: topics.events, messages: [{ value: label }] });
      return Date.now();
    };
    const arrivedBy = async (count: number) => {
      for (let waited = 0; arrivals.length < count && waited < 2 * IDLE_WAIT_MS; waited += 20) await sleep(20);
      return arrivals[count - 1]!;
    };
    // Joined and fetching: with nothing to read, a fetch waits for the first record.
    for (let waited = 0; fetches === 0 && waited < 30_000; waited += 50) await sleep(50);
    await sleep(500);

    // Idle: the first record is answered at once, not after a gather.
    const first = await send(uniqueName('first'));
    const firstArrival = await arrivedBy(1);
    expect(firstArrival.at - first).toBeLessThan(GATHER_MS / 2);

    // Busy (the last fetch brought a record): 10 records 100 ms apart come in one or two gathered batches,
    // where fetches answered at the first record would bring them one by one.
    for (let i = 0; i < 10; i++) {
      await send(`burst-${i}`);
      await sleep(100);
    }
    for (let waited = 0; arrivals.reduce((n, a) => n + a.records, 0) < 11 && waited < 30_000; waited += 50)
      await sleep(50);
    expect(arrivals.length - 1, JSON.stringify(arrivals)).toBeLessThanOrEqual(3);

    // A gather that ended empty puts the consumer back to idle: the next record is answered at once again.
    await sleep(GATHER_MS * 2);
    const count = arrivals.length;
    const last = await send(uniqueName('after-idle'));
    const lastArrival = await arrivedBy(count + 1);
    expect(lastArrival.at - last).toBeLessThan(GATHER_MS / 2);
  });
});
