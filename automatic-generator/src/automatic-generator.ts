import type { EventRecord } from '@eventstreamapp/event-schema';
import {
  createProducer,
  createRegistry,
  type Logger,
  type StartedServer,
  startOpsServer,
  watchProducer,
} from '@eventstreamapp/service-kit';
import type { Kafka } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import type { Config } from './config.js';
import { makeEvent } from './make-event.js';

export interface AutomaticGeneratorDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Publishes EVENTS_PER_TICK events every INTERVAL_MS. While Kafka is away it keeps making
 * events into a bounded queue and retries with exponential backoff instead of crashing.
 */
export function createAutomaticGenerator({ config, logger, kafka }: AutomaticGeneratorDeps) {
  const registry = createRegistry('automatic-generator');
  const published = new Counter({ name: 'events_published_total', help: 'Events acknowledged by Kafka', registers: [registry] });
  const failures = new Counter({ name: 'publish_failures_total', help: 'Failed producer requests', registers: [registry] });
  const dropped = new Counter({
    name: 'events_dropped_total',
    help: 'Events dropped because the pending queue was full',
    registers: [registry],
  });
  const pendingGauge = new Gauge({ name: 'events_pending', help: 'Events made but not yet acknowledged', registers: [registry] });
  const producer = createProducer(kafka);
  const connection = watchProducer(producer);

  let pending: EventRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let ops: StartedServer | undefined;
  let stopped = false;
  let failuresInARow = 0;
  let nextAttemptAt = 0;
  let sending: Promise<void> = Promise.resolve();

  function enqueue(records: EventRecord[]): void {
    pending.push(...records);
    const excess = pending.length - config.MAX_PENDING_EVENTS;
    if (excess > 0) {
      pending = pending.slice(excess);
      dropped.inc(excess);
      logger.warn({ dropped: excess }, 'pending queue full; oldest events dropped');
    }
    pendingGauge.set(pending.length);
  }

  async function sendPending(): Promise<void> {
    if (pending.length === 0) return;
    // The batch leaves the queue while it is sent, so nothing enqueued meanwhile can be mistaken for it.
    const batch = pending;
    pending = [];
    try {
      if (!connection.connected) await producer.connect();
      await producer.send({ topic: config.KAFKA_TOPIC, acks: -1, messages: batch.map((r) => ({ key: r.event.user_id, value: r.json })) });
      published.inc(batch.length);
      if (failuresInARow > 0) logger.info({ afterFailures: failuresInARow }, 'Kafka reachable again');
      failuresInARow = 0;
      for (const { event } of batch) logger.info({ event }, 'event published');
    } catch (err) {
      failures.inc();
      failuresInARow++;
      const backoff = Math.min(config.INTERVAL_MS * 2 ** failuresInARow, MAX_BACKOFF_MS);
      nextAttemptAt = Date.now() + backoff;
      // Back to the front of the queue, ahead of anything made meanwhile (and within its bound).
      const madeMeanwhile = pending;
      pending = batch;
      enqueue(madeMeanwhile);
      logger.warn({ err, pending: pending.length, retryInMs: backoff }, 'publish failed; will retry');
    }
    pendingGauge.set(pending.length);
  }

  function tick(): void {
    if (stopped) return;
    enqueue(Array.from({ length: config.EVENTS_PER_TICK }, () => makeEvent(config.USER_POOL_SIZE)));
    if (Date.now() >= nextAttemptAt) sending = sending.then(sendPending);
    void sending.finally(() => {
      if (!stopped) timer = setTimeout(tick, config.INTERVAL_MS);
    });
  }

  return {
    registry,
    get opsUrl() {
      return ops?.url;
    },
    async start(): Promise<void> {
      ops = await startOpsServer({
        registry,
        port: config.PORT,
        host: config.HOST,
        readiness: () => [{ name: 'kafka', ok: connection.connected && failuresInARow === 0 }],
      });
      logger.info(
        { ops: ops.url, intervalMs: config.INTERVAL_MS, eventsPerTick: config.EVENTS_PER_TICK, topic: config.KAFKA_TOPIC },
        'automatic-generator started',
      );
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      // A last attempt for what is queued, bounded so `docker stop` never has to kill us.
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(config.SHUTDOWN_TIMEOUT_MS - 500, 100)).unref());
      await Promise.race([sending.then(sendPending), deadline]);
      if (pending.length > 0) logger.warn({ lost: pending.length }, 'stopping with unpublished events');
      await Promise.race([producer.disconnect(), new Promise((r) => setTimeout(r, 300).unref())]);
      await ops?.close();
    },
  };
}
