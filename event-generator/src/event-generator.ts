import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpServer, createProducer, type Logger, listen, type StartedServer, watchProducer } from '@eventstreamapp/service-kit';
import type { Kafka } from 'kafkajs';
import { createApp } from './app.js';
import { BatchingPublisher } from './batching-publisher.js';
import type { Config } from './config.js';
import { createMetrics } from './metrics.js';

export interface EventGeneratorDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
}

/** POST /publish on an HTTP port, publishing through one linger-batching producer. */
export function createEventGenerator({ config, logger, kafka }: EventGeneratorDeps) {
  const metrics = createMetrics();
  const producer = createProducer(kafka);
  const connection = watchProducer(producer);
  const publisher = new BatchingPublisher({
    producer,
    topic: config.KAFKA_TOPIC,
    acks: config.PUBLISH_ACKS,
    lingerMs: config.PUBLISH_LINGER_MS,
    maxInFlight: config.PUBLISH_MAX_IN_FLIGHT,
    maxBatchEvents: config.PUBLISH_MAX_BATCH_EVENTS,
    timeoutMs: config.PUBLISH_TIMEOUT_MS,
    onBatch: (events, seconds, error) => {
      metrics.batchSize.observe(events);
      if (error) logger.warn({ err: error, events, seconds }, 'publish batch failed');
    },
  });
  const app = createApp({
    config,
    logger,
    publisher,
    metrics,
    readiness: () => [{ name: 'kafka', ok: connection.connected, ...(connection.connected ? {} : { detail: 'producer not connected' }) }],
  });
  const server = createHttpServer(app);
  let started: StartedServer | undefined;
  let connecting: Promise<void> | undefined;
  const stopping = new AbortController();

  // Keep trying in the background: the HTTP port answers (503) while Kafka is away. The wait
  // between attempts ends at once on stop, so a dead broker never holds up a shutdown.
  async function connectUntilStopped(): Promise<void> {
    for (let delay = 500; !stopping.signal.aborted && !connection.connected; delay = Math.min(delay * 2, 10_000)) {
      try {
        await producer.connect();
        logger.info({ brokers: config.KAFKA_BROKERS, topic: config.KAFKA_TOPIC }, 'producer connected');
      } catch (err) {
        logger.warn({ err, retryInMs: delay }, 'Kafka not reachable yet');
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  }

  return {
    metrics,
    get url() {
      return started?.url;
    },
    async start(): Promise<void> {
      connecting = connectUntilStopped();
      started = await listen(server, config.PORT, config.HOST);
      logger.info({ url: started.url }, 'event-generator listening');
    },
    async stop(): Promise<void> {
      stopping.abort();
      // Stop taking requests, let those in flight get Kafka's answer, then leave.
      const closing = started?.close();
      await publisher.flush();
      await closing;
      await connecting;
      await producer.disconnect();
    },
  };
}
