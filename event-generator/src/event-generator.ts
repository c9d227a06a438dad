import { claimsKeyInCluster, redisKeys } from '@eventstreamapp/event-schema';
import {
  BATCH_OVERHEAD_BYTES,
  BatchingPublisher,
  closeInStages,
  createHttpServer,
  createProducer,
  createThrottle,
  describeError,
  type Logger,
  largestEventFor,
  listen,
  once,
  retryUntilStopped,
  type StartedServer,
  startKafkaProbe,
  watchProducer,
} from '@eventstreamapp/service-kit';
import { Cluster, type Redis } from 'ioredis';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { createIdClaims } from './id-claims.js';
import { createMetrics, type GeneratorMetrics } from './metrics.js';
import type { PublishLimits } from './parse-publish-body.js';

export interface EventGeneratorDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
  /**
   * Where client-chosen event_ids are claimed (id-claims.ts), shared by every generator instance: one Redis,
   * or a Redis Cluster (cluster topology).
   */
  redis: Redis | Cluster;
}

/** The topic's own max.message.bytes: the largest record batch the broker accepts for it. */
async function readTopicMaxMessageBytes(kafka: Kafka, topic: string): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    return value === undefined ? undefined : Number(value);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The publish path: requests bounded in bytes by what the topic accepts (lowered later if the topic accepts
 * less), PUBLISH_LINGER_MS/_EVENTS and PUBLISH_MAX_IN_FLIGHT, acks from PUBLISH_ACKS; each batch's size observed.
 */
function publishPath(config: Config, producer: Producer, metrics: GeneratorMetrics, logger: Logger): BatchingPublisher {
  return new BatchingPublisher({
    send: async (messages) => {
      await producer.send({
        topic: config.KAFKA_TOPIC,
        acks: config.PUBLISH_ACKS,
        timeout: config.PUBLISH_TIMEOUT_MS,
        messages,
      });
    },
    lingerMs: config.PUBLISH_LINGER_MS,
    lingerEvents: config.PUBLISH_LINGER_EVENTS,
    maxInFlight: config.PUBLISH_MAX_IN_FLIGHT,
    maxBatchEvents: config.PUBLISH_MAX_BATCH_EVENTS,
    maxBatchBytes: config.KAFKA_MAX_MESSAGE_BYTES - BATCH_OVERHEAD_BYTES,
    timeoutMs: config.PUBLISH_TIMEOUT_MS,
    onBatch: (events, seconds, error) => {
      metrics.batchSize.observe(events);
      if (error)
        logger.warn(
          { event: 'publish.batch_failed', reason: describeError(error), events, seconds },
          'publish batch failed',
        );
    },
  });
}

/** The limits a request is judged by, as configured (a smaller topic lowers them once it is read). */
function limitsOf(config: Config): PublishLimits {
  return {
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxEventBytes: config.MAX_EVENT_BYTES,
    maxBulkEvents: config.MAX_BULK_EVENTS,
    timestampWindow: { minMs: config.TIMESTAMP_MIN, maxFutureMs: config.TIMESTAMP_MAX_FUTURE_MS },
  };
}

/** Redis errors, a line every 5 s at most: only requests with client-chosen event_ids need Redis. */
function warnOfRedisErrors(redis: Redis | Cluster, logger: Logger): void {
  const throttle = createThrottle(5_000);
  redis.on('error', (err: Error) => {
    const { pass, suppressed } = throttle('redis.error');
    if (pass)
      logger.warn(
        { event: 'redis.error', reason: describeError(err), suppressed },
        'Redis connection error (client-chosen event_ids answer 503 meanwhile)',
      );
  });
}

/**
 * Connects the producer and reads the topic's max.message.bytes, retrying until it can or the service stops:
 * the HTTP port answers (503) meanwhile.
 */
function connectInBackground(
  kafka: Kafka,
  producer: Producer,
  connection: { connected: boolean },
  config: Config,
  logger: Logger,
  signal: AbortSignal,
  onTopicMax: (topicMax: number | undefined) => void,
): Promise<unknown> {
  return retryUntilStopped(
    async () => {
      if (!connection.connected) await producer.connect();
      logger.info(
        { event: 'kafka.connected', brokers: config.KAFKA_BROKERS, topic: config.KAFKA_TOPIC },
        'producer connected',
      );
      onTopicMax(await readTopicMaxMessageBytes(kafka, config.KAFKA_TOPIC));
    },
    {
      signal,
      onRetry: (err, retryInMs) =>
        logger.warn({ event: 'kafka.unreachable', reason: describeError(err), retryInMs }, 'Kafka not reachable yet'),
    },
  );
}

/** POST /publish on an HTTP port, publishing through one batching producer. */
export function createEventGenerator({ config, logger, kafka, redis }: EventGeneratorDeps) {
  const metrics = createMetrics();
  const producer = createProducer(kafka);
  const connection = watchProducer(producer);
  let maxMessageBytes = config.KAFKA_MAX_MESSAGE_BYTES;
  let limits = limitsOf(config);
  const publisher = publishPath(config, producer, metrics, logger);
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const claimsIndex = redis instanceof Cluster ? claimsKeyInCluster(keys) : keys.eventClaims;
  const idClaims = createIdClaims(redis, claimsIndex, config.DEDUP_WINDOW_MS);
  warnOfRedisErrors(redis, logger);
  const app = createApp({
    config,
    logger,
    publisher,
    idClaims,
    metrics,
    limits: () => limits,
    // Ready once connected and the topic's own limits are known, so no request is judged by stale ones,
    // and for as long as Kafka answers the probe: the producer's connection outlives a dead broker.
    readiness: () => [
      !connection.connected
        ? { name: 'kafka', ok: false, detail: 'producer not connected' }
        : !topicChecked
          ? { name: 'kafka', ok: false, detail: 'reading the topic configuration' }
          : (kafkaProbe?.check ?? { name: 'kafka', ok: false, detail: 'not probed yet' }),
    ],
  });
  const server = createHttpServer(app);
  let started: StartedServer | undefined;
  let topicChecked = false;
  let kafkaProbe: ReturnType<typeof startKafkaProbe> | undefined;
  const stopping = new AbortController();
  let connecting: Promise<unknown> = Promise.resolve();

  /**
   * A topic that accepts less than configured lowers the limits, so that no event is accepted that Kafka must refuse.
   */
  function adoptTopicLimit(topicMax: number): void {
    if (topicMax >= maxMessageBytes) return;
    maxMessageBytes = topicMax;
    publisher.setMaxBatchBytes(topicMax - BATCH_OVERHEAD_BYTES);
    limits = { ...limits, maxEventBytes: Math.min(limits.maxEventBytes, largestEventFor(topicMax)) };
    logger.warn(
      {
        event: 'config.limit_lowered',
        topic: config.KAFKA_TOPIC,
        maxMessageBytes: topicMax,
        maxEventBytes: limits.maxEventBytes,
      },
      'the topic accepts smaller records than configured: events and batches are limited to what it takes',
    );
  }

  return {
    metrics,
    get url() {
      return started?.url;
    },
    async start(): Promise<void> {
      kafkaProbe = startKafkaProbe(kafka);
      // The HTTP port answers (503) while Kafka is away; connecting goes on in the background.
      connecting = connectInBackground(kafka, producer, connection, config, logger, stopping.signal, (topicMax) => {
        if (topicMax !== undefined) adoptTopicLimit(topicMax);
        topicChecked = true;
      });
      redis
        .connect()
        .catch((err: Error) =>
          logger.warn({ event: 'redis.unreachable', reason: describeError(err) }, 'Redis not reachable yet'),
        );
      started = await listen(server, config.PORT, config.HOST);
      logger.info({ event: 'service.listening', url: started.url }, 'event-generator listening');
    },
    stop: once(async () => {
      stopping.abort();
      // Stop taking requests while those in flight get Kafka's answer, then leave.
      await closeInStages([
        [
          ['http server', () => started?.close()],
          ['publisher', () => publisher.close()],
          ['connect loop', () => connecting],
        ],
        [
          ['producer', () => producer.disconnect()],
          ['kafka probe', () => kafkaProbe?.close()],
          ['redis', () => redis.quit().catch(() => redis.disconnect())],
        ],
      ]);
    }),
  };
}
