import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { wakeups } from '../../scripts/launcher/process-state.ts';
import { createTestTopics } from '../support/kafka.js';
import { followLive } from '../support/live-feed.js';
import { REPO_ROOT } from '../support/paths.js';
import { testRedis } from '../support/redis.js';
import { type ServiceName, type ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

// ARCHITECTURE.md, "Rules the tree keeps": idle, a Node service wakes a few times a second at most. Unpatched,
// kafkajs's request queue alone wakes a process about 850 times a second (patches/README.md).

const SAMPLE_MS = 10_000;
/** Wake-ups a second an idle process may have: its own 2 s probes and heartbeats stay well under it. */
const IDLE_WAKEUPS_PER_S = 20;

/** Wake-ups a second of each process over the same SAMPLE_MS. */
async function wakeupRates(pids: Record<string, number>): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, wakeups(pid)]));
  await sleep(SAMPLE_MS);
  return Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, Math.round(((wakeups(pid) - before[name]!) * 1000) / SAMPLE_MS)]),
  );
}

// kafkajs from the workspace (patched by its install): a producer that has sent, an admin that has asked
// for metadata and a consumer in its group, then nothing.
const BARE_CLIENTS = `
const { Kafka, logLevel } = require('kafkajs');
const [brokers, topic, groupId] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'idle-probe', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
(async () => {
  const producer = kafka.producer();
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), admin.connect(), consumer.connect()]);
  await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
  await admin.fetchTopicMetadata({ topics: [topic] });
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = false;
  await consumer.run({ eachMessage: async () => { if (!seen) process.stdout.write('ready\\n'); seen = true; } });
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('idle means asleep', () => {
  it('kafkajs clients that have served requests wake their process at most a few times a second', {
    timeout: 90_000,
  }, async () => {
    const topics = await createTestTopics('idle');
    onTestFinished(() => topics.remove());
    const child = spawn(process.execPath, ['-e', BARE_CLIENTS, inject('kafkaBrokers'), topics.events, topics.group], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      lines.once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`the kafkajs clients exited ${code} before their first record`)));
    });
    await sleep(3_000); // the group's first heartbeats and commits
    const { clients } = await wakeupRates({ clients: child.pid! });
    expect(clients, 'wake-ups a second of an idle producer, admin and consumer').toBeLessThanOrEqual(
      IDLE_WAKEUPS_PER_S,
    );
  });

  it('the four services, the automatic generator publishing, a live page open: each wakes a few times a second', {
    timeout: 120_000,
  }, async () => {
    const topics = await createTestTopics('idle-services');
    const store = testRedis('idle-services');
    onTestFinished(async () => {
      await topics.remove();
      await store.close();
    });
    const env = {
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_KEY_PREFIX: store.prefix,
    };
    const names: ServiceName[] = ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'];
    const services: ServiceProcess[] = names.map((name) => startServiceProcess(name, env));
    onTestFinished(() => Promise.all(services.map((s) => s.stop('SIGKILL'))).then(() => undefined));
    const [, , , viewer] = services;
    const viewerUrl = await viewer!.ready(60_000);
    await Promise.all(services.map((s) => s.ready(60_000)));

    // One live page: the viewer follows the stream for it.
    const feed = await followLive(`${viewerUrl}/live?since=0-0`);
    expect(feed.status).toBe(200);
    // The automatic generator's events reach the live page: the pipeline is working, not stalled.
    await waitFor(
      async () => feed.received().includes('automatic-generator'),
      30_000,
      'an automatic event on the live feed',
    );

    const pids = Object.fromEntries(services.map((s) => [s.name, s.child.pid!]));
    const rates = await wakeupRates(pids);
    for (const name of names)
      expect(rates[name], `${name}: wake-ups a second, idle (all: ${JSON.stringify(rates)})`).toBeLessThanOrEqual(
        IDLE_WAKEUPS_PER_S,
      );
  });
});
