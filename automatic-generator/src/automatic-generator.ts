import {
  BATCH_OVERHEAD_BYTES,
  BatchingPublisher,
  closeInStages,
  createProducer,
  describeError,
  type Logger,
  once,
  ServiceError,
  type StartedServer,
  startKafkaProbe,
  startOpsServer,
  watchProducer,
} from '@eventstreamapp/service-kit';
import type { Kafka, Producer } from 'kafkajs';
import type { Config } from './config.js';
import { makeEvent } from './make-event.js';
import { createMetrics } from './metrics.js';
import { TickSender } from './tick-sender.js';

/** Events per producer request, as the generator's default PUBLISH_MAX_BATCH_EVENTS. */
const MAX_BATCH_EVENTS = 1_000;
/** A send Kafka has not acknowledged by then fails, and its events wait for the next tick. */
const SEND_TIMEOUT_MS = 10_000;

export interface AutomaticGeneratorDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
}

/**
 * The generator's send path: requests bounded in bytes by what the topic accepts, a batch sent again whole after
 * a retriable failure, acks from PUBLISH_ACKS. Ticks come one at a time (no linger, one request in flight);
 * TickSender keeps what failed for the next tick.
 */
function tickPublisher(config: Config, producer: Producer, connected: () => boolean): BatchingPublisher {
  return new BatchingPublisher({
    send: async (messages) => {
      if (!connected()) await producer.connect();
      await producer.send({ topic: config.KAFKA_TOPIC, acks: config.PUBLISH_ACKS, timeout: SEND_TIMEOUT_MS, messages });
    },
    lingerMs: 0,
    maxInFlight: 1,
    maxBatchEvents: MAX_BATCH_EVENTS,
    maxBatchBytes: config.KAFKA_MAX_MESSAGE_BYTES - BATCH_OVERHEAD_BYTES,
    timeoutMs: SEND_TIMEOUT_MS,
    failFastMs: 0,
  });
}

/** What each tick's outcome counts and logs. */
function tickOutcomes(
  logger: Logger,
  metrics: Pick<ReturnType<typeof createMetrics>, 'published' | 'errors' | 'dropped'>,
) {
  return {
    sent(events: number, afterFailures: number) {
      metrics.published.inc(events);
      if (afterFailures > 0) logger.info({ event: 'kafka.recovered', afterFailures }, 'Kafka reachable again');
    },
    failed(err: unknown, pending: number, retryInMs: number) {
      metrics.errors.inc({ code: err instanceof ServiceError ? err.code : 'kafka_unavailable' });
      logger.warn(
        { event: 'publish.failed', reason: describeError(err), pending, retryInMs },
        'publish failed; will retry',
      );
    },
    dropped(events: number) {
      metrics.dropped.inc(events);
      logger.warn({ event: 'events.dropped', dropped: events }, 'pending queue full; oldest events dropped');
    },
  };
}

/** Publishes EVENTS_PER_TICK events every INTERVAL_MS, keeping them through a Kafka outage (TickSender). */
export function createAutomaticGenerator({ config, logger, kafka }: AutomaticGeneratorDeps) {
  // `sender.pending` is read at each scrape, once the sender exists.
  const { registry, published, errors, dropped } = createMetrics(() => sender.pending);
  const producer = createProducer(kafka);
  const connection = watchProducer(producer);
  const publisher = tickPublisher(config, producer, () => connection.connected);
  const sender = new TickSender({
    intervalMs: config.INTERVAL_MS,
    maxPending: config.MAX_PENDING_EVENTS,
    maxBatchEvents: MAX_BATCH_EVENTS,
    send: async (batch) => {
      await publisher.publish(batch.map((r) => ({ key: r.event.user_id, value: r.json })));
      if (logger.isLevelEnabled('debug'))
        for (const { event } of batch) logger.debug({ event: 'event.published', published: event }, 'event published');
    },
    on: tickOutcomes(logger, { published, errors, dropped }),
  });

  let timer: NodeJS.Timeout | undefined;
  let ops: StartedServer | undefined;
  let kafkaProbe: ReturnType<typeof startKafkaProbe> | undefined;
  let stopped = false;

  function tick(): void {
    if (stopped) return;
    const events = Array.from({ length: config.EVENTS_PER_TICK }, () => makeEvent(config.USER_POOL_SIZE));
    void sender.tick(events).finally(() => {
      if (!stopped) timer = setTimeout(tick, config.INTERVAL_MS);
    });
  }

  return {
    registry,
    get opsUrl() {
      return ops?.url;
    },
    async start(): Promise<void> {
      kafkaProbe = startKafkaProbe(kafka);
      ops = await startOpsServer({
        registry,
        port: config.PORT,
        host: config.HOST,
        // Connected, the last tick sent, and Kafka answering its probe now (a dead broker is seen within seconds).
        readiness: () => [
          connection.connected && sender.healthy
            ? (kafkaProbe?.check ?? { name: 'kafka', ok: false, detail: 'not probed yet' })
            : {
                name: 'kafka',
                ok: false,
                detail: connection.connected ? 'the last tick was not sent' : 'producer not connected',
              },
        ],
      });
      logger.info(
        {
          event: 'service.listening',
          url: ops.url,
          intervalMs: config.INTERVAL_MS,
          eventsPerTick: config.EVENTS_PER_TICK,
          topic: config.KAFKA_TOPIC,
        },
        'automatic-generator started',
      );
      tick();
    },
    stop: once(async () => {
      stopped = true;
      clearTimeout(timer);
      // A last attempt for what is queued, bounded so `docker stop` never has to kill us.
      const deadline = new Promise<void>((resolve) =>
        setTimeout(resolve, Math.max(config.SHUTDOWN_TIMEOUT_MS - 500, 100)).unref(),
      );
      await Promise.race([sender.drain(), deadline]);
      if (sender.pending > 0)
        logger.warn({ event: 'events.unpublished', lost: sender.pending }, 'stopping with unpublished events');
      await closeInStages([
        [
          ['producer', () => Promise.race([producer.disconnect(), new Promise((r) => setTimeout(r, 300).unref())])],
          ['kafka probe', () => kafkaProbe?.close()],
        ],
        [['ops server', () => ops?.close()]],
      ]);
    }),
  };
}
