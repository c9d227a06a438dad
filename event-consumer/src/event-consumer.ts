import { redisKeys } from '@eventstreamapp/event-schema';
import { readGroupLag } from '@eventstreamapp/pipeline';
import {
  closeInStages,
  createAdminSession,
  createProducer,
  createThrottle,
  describeError,
  type Logger,
  once,
  type ReadinessCheck,
  type StartedServer,
  startKafkaProbe,
  startOpsServer,
} from '@eventstreamapp/service-kit';
import type { Cluster, Redis } from 'ioredis';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { createBatchWrites } from './batch-writes.js';
import type { Config } from './config.js';
import { consumeBatch } from './consume-batch.js';
import { createGroupMember } from './group-member.js';
import { createMetrics } from './metrics.js';
import { createOffsetCommits } from './offset-commits.js';

export interface EventConsumerDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
  /** One Redis (single and replicated topologies) or a Redis Cluster (cluster topology). */
  redis: Redis | Cluster;
}

/**
 * Kafka requests retried KAFKA_RETRIES times with waits of at most 2 s (15: about 25 s): a broker
 * restart (10–20 s here) is ridden out by the same group member, which then rejoins at once. A member
 * that gave up would come back as a new one, and the group would wait for the old one's session to
 * expire before handing out partitions.
 */
export function consumerKafkaRetry(config: Pick<Config, 'KAFKA_RETRIES'>) {
  return { retries: config.KAFKA_RETRIES, maxRetryTimeMs: 2_000 } as const;
}

/** Redis' connection as the log tells it: errors a line every 5 s at most, ready, and lost (not when stopping). */
function logRedisConnection(
  redis: Redis | Cluster,
  logger: Logger,
  throttle: ReturnType<typeof createThrottle>,
  stopping: AbortSignal,
) {
  let redisWasReady = false;
  redis.on('error', (err: Error) => {
    const { pass, suppressed } = throttle('redis.error');
    if (pass) logger.warn({ event: 'redis.error', reason: describeError(err), suppressed }, 'Redis connection error');
  });
  redis.on('ready', () => {
    redisWasReady = true;
    logger.info({ event: 'redis.ready' }, 'Redis connection ready');
  });
  redis.on('close', () => {
    if (redisWasReady && !stopping.aborted) logger.warn({ event: 'redis.lost' }, 'Redis connection lost; reconnecting');
    redisWasReady = false;
  });
}

/**
 * Ready: a member of the group whose broker answers its probe, Redis answering and not failing writes, the
 * dead-letter topic taking what it is sent.
 */
function readinessOf(
  member: { joined: boolean },
  kafkaProbe: { check: ReadinessCheck } | undefined,
  redis: Redis | Cluster,
  writes: Pick<ReturnType<typeof createBatchWrites>, 'failing'>,
): ReadinessCheck[] {
  return [
    // A member keeps believing it is joined for a session or more after its broker died or froze:
    // the probe says within seconds.
    member.joined
      ? (kafkaProbe?.check ?? { name: 'kafka', ok: false, detail: 'not probed yet' })
      : { name: 'kafka', ok: false, detail: 'not a member of the consumer group' },
    {
      name: 'redis',
      ok: redis.status === 'ready' && !writes.failing.redis,
      detail: writes.failing.redis ? `${writes.failing.redis.code}: ${writes.failing.redis.message}` : redis.status,
    },
    {
      name: 'dead-letter topic',
      ok: !writes.failing.dlq,
      ...(writes.failing.dlq ? { detail: writes.failing.dlq.message } : {}),
    },
  ];
}

interface ConsumingDeps {
  config: Config;
  logger: Logger;
  dlqProducer: Producer;
  commits: ReturnType<typeof createOffsetCommits>;
  writes: Pick<ReturnType<typeof createBatchWrites>, 'deps'>;
}

/** A member's consumer joined: subscribed from the beginning, each batch stored, its offsets committed as paced. */
async function startConsuming(
  consumer: Consumer,
  { config, logger, dlqProducer, commits, writes }: ConsumingDeps,
): Promise<void> {
  await dlqProducer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: config.KAFKA_TOPIC, fromBeginning: true });
  await consumer.run({
    eachBatch: async (payload) => {
      await consumeBatch(commits.pace(payload), writes.deps);
    },
    eachBatchAutoResolve: false,
    ...commits.runOptions,
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
  });
  logger.info(
    {
      event: 'consumer.running',
      topic: config.KAFKA_TOPIC,
      group: config.KAFKA_GROUP_ID,
      keyPrefix: config.REDIS_KEY_PREFIX,
    },
    'consuming',
  );
}

/**
 * Reads `events` in batches and stores them in Redis, each event_id once: a chunk's offsets are
 * committed only after Redis (and, for refused records, the dead-letter topic) acknowledged it.
 */
export function createEventConsumer({ config, logger, kafka, redis }: EventConsumerDeps) {
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const admin = createAdminSession(kafka);
  const dlqProducer = createProducer(kafka);
  const stopping = new AbortController();
  const throttle = createThrottle(5_000);
  let ops: StartedServer | undefined;
  let kafkaProbe: ReturnType<typeof startKafkaProbe> | undefined;
  let onFatal: (err: Error) => void = () => {};

  const member = createGroupMember({
    config,
    kafka,
    logger,
    stopping: stopping.signal,
    run: (consumer) => startConsuming(consumer, { config, logger, dlqProducer, commits, writes }),
    onFatal: (err) => onFatal(err),
  });
  const metrics = createMetrics(
    config.KAFKA_TOPIC,
    async () => readGroupLag(await admin.get(), config.KAFKA_GROUP_ID, config.KAFKA_TOPIC),
    {
      partitions: () => member.assigned,
      lastStoredAt: (partition) => writes.lastStoredAt.get(partition),
    },
  );
  const writes = createBatchWrites({ config, logger, redis, keys, dlqProducer, metrics, throttle });
  const commitFailed = (err: Error) =>
    logger.warn({ event: 'kafka.commit_failed', reason: describeError(err) }, 'offsets not committed; read again');
  const commits = createOffsetCommits(config.KAFKA_COMMIT_INTERVAL_MS, stopping.signal, commitFailed);

  logRedisConnection(redis, logger, throttle, stopping.signal);

  return {
    metrics,
    onFatal(handler: (err: Error) => void) {
      onFatal = handler;
    },
    get opsUrl() {
      return ops?.url;
    },
    async start(): Promise<void> {
      kafkaProbe = startKafkaProbe(kafka);
      ops = await startOpsServer({
        registry: metrics.registry,
        port: config.PORT,
        host: config.HOST,
        readiness: () => readinessOf(member, kafkaProbe, redis, writes),
      });
      redis
        .connect()
        .catch((err: Error) =>
          logger.warn({ event: 'redis.unreachable', reason: describeError(err) }, 'Redis not reachable yet'),
        );
      member.start();
      logger.info(
        { event: 'service.listening', url: ops.url, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID },
        'event-consumer started',
      );
    },
    stop: once(async () => {
      stopping.abort();
      // Leaving the group first: a chunk not yet acknowledged by Redis stays uncommitted and is redelivered.
      await closeInStages([
        // What was stored is committed while the member still holds its partitions.
        [['offset commits', () => commits.flush()]],
        member.closers(),
        [
          ['dead-letter producer', () => dlqProducer.disconnect()],
          ['admin', () => admin.stop()],
          ['kafka probe', () => kafkaProbe?.close()],
          ['redis', () => redis.quit().catch(() => redis.disconnect())],
        ],
        [['ops server', () => ops?.close()]],
      ]);
    }),
  };
}
