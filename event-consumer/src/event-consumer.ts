import { redisKeys } from '@eventstreamapp/event-schema';
import { createProducer, type Logger, type StartedServer, startOpsServer } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { Config } from './config.js';
import { toDeadLetter } from './dead-letter.js';
import { createMetrics } from './metrics.js';
import { planBatch } from './plan-batch.js';
import { writeEvents } from './write-events.js';

export interface EventConsumerDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
  redis: Redis;
}

type BatchContext = Pick<EachBatchPayload, 'isRunning' | 'isStale' | 'heartbeat'>;

/** Waits, but wakes early when the consumer stops, so a long backoff never delays SIGTERM. */
async function pauseWhileRunning(ms: number, ctx: BatchContext): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && ctx.isRunning() && !ctx.isStale()) {
    await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
  }
}

/**
 * Reads `events` in batches and stores them in Redis at least once: a chunk's offsets are
 * committed only after Redis (and, for refused records, the dead-letter topic) acknowledged it.
 */
export function createEventConsumer({ config, logger, kafka, redis }: EventConsumerDeps) {
  const metrics = createMetrics();
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const consumer = kafka.consumer({
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
    maxWaitTimeInMs: 1_000,
    allowAutoTopicCreation: false,
  });
  const dlqProducer = createProducer(kafka);
  let ops: StartedServer | undefined;
  let joined = false;
  let stopping = false;
  /** The last write attempt failed: Redis may be connected yet unusable (frozen, full, read-only). */
  const failing = { redis: false, dlq: false };
  let onFatal: (err: Error) => void = () => {};

  redis.on('error', (err: Error) => logger.debug({ err }, 'Redis connection error'));
  let redisWasReady = false;
  redis.on('ready', () => {
    redisWasReady = true;
    logger.info('Redis connection ready');
  });
  redis.on('close', () => {
    if (redisWasReady && !stopping) logger.warn('Redis connection lost; reconnecting');
    redisWasReady = false;
  });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    logger.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    // kafkajs does not restart after some errors: an idle consumer must die so its supervisor restarts it.
    if (!payload.restart) onFatal(payload.error);
  });

  /** Retries an action with backoff until it succeeds, or until this batch no longer belongs to us. */
  async function untilDone(target: keyof typeof failing, action: () => Promise<void>, ctx: BatchContext): Promise<boolean> {
    for (let delay = 100, attempt = 1; ; delay = Math.min(delay * 2, config.RETRY_MAX_BACKOFF_MS), attempt++) {
      if (!ctx.isRunning() || ctx.isStale()) return false;
      try {
        await action();
        failing[target] = false;
        if (attempt > 1) logger.info({ target, attempts: attempt }, 'write succeeded after retrying');
        return true;
      } catch (err) {
        failing[target] = true;
        metrics.retries.inc({ target });
        logger.warn({ err, target, attempt, retryInMs: delay }, 'write failed; offsets not committed, retrying the same records');
        await pauseWhileRunning(delay, ctx);
        // Rebalance errors from heartbeat propagate: kafkajs rejoins and the records are redelivered.
        await ctx.heartbeat();
      }
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary } = payload;
    for (let start = 0; start < batch.messages.length; start += config.WRITE_CHUNK_EVENTS) {
      const messages = batch.messages.slice(start, start + config.WRITE_CHUNK_EVENTS);
      const plan = planBatch(messages, config.MAX_EVENT_BYTES);
      const stored = await untilDone(
        'redis',
        async () => {
          const end = metrics.writeSeconds.startTimer();
          await writeEvents(redis, keys, plan, config.EVENT_LOG_MAX_LEN);
          end();
        },
        payload,
      );
      if (!stored) return;
      if (plan.refused.length > 0) {
        const deadLettered = await untilDone(
          'dlq',
          async () => {
            await dlqProducer.send({
              topic: config.KAFKA_DLQ_TOPIC,
              acks: -1,
              messages: plan.refused.map((r) => toDeadLetter(r, batch.topic, batch.partition)),
            });
          },
          payload,
        );
        if (!deadLettered) return;
        for (const refused of plan.refused) {
          metrics.deadLettered.inc({ reason: refused.rejection.code });
          logger.warn(
            { partition: batch.partition, offset: refused.offset, reason: refused.rejection.code, detail: refused.rejection.message },
            'record sent to the dead-letter topic',
          );
        }
      }
      resolveOffset(messages[messages.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      metrics.stored.inc(plan.accepted.length);
      metrics.batchSize.observe(messages.length);
      if (plan.accepted.length > 0) announce(plan.accepted.length, Math.max(...plan.accepted.map((a) => a.record.event.timestamp)));
      await payload.heartbeat();
    }
    metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
  }

  function announce(count: number, newestTimestamp: number): void {
    if (redis.status !== 'ready') return;
    redis.publish(keys.storedChannel, JSON.stringify({ count, newest_timestamp: newestTimestamp })).catch((err: Error) => {
      logger.debug({ err }, 'could not announce a stored batch');
    });
  }

  return {
    metrics,
    onFatal(handler: (err: Error) => void) {
      onFatal = handler;
    },
    get opsUrl() {
      return ops?.url;
    },
    async start(): Promise<void> {
      ops = await startOpsServer({
        registry: metrics.registry,
        port: config.PORT,
        host: config.HOST,
        readiness: () => [
          { name: 'kafka', ok: joined, ...(joined ? {} : { detail: 'not a member of the consumer group' }) },
          { name: 'redis', ok: redis.status === 'ready' && !failing.redis, detail: failing.redis ? 'writes failing' : redis.status },
          { name: 'dead-letter topic', ok: !failing.dlq, ...(failing.dlq ? { detail: 'writes failing' } : {}) },
        ],
      });
      redis.connect().catch((err: Error) => logger.warn({ err }, 'Redis not reachable yet; batches wait for it'));
      await dlqProducer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: config.KAFKA_TOPIC, fromBeginning: true });
      await consumer.run({
        eachBatch,
        eachBatchAutoResolve: false,
        autoCommit: true,
        autoCommitThreshold: 1,
        partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
      });
      logger.info(
        { ops: ops.url, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID, keyPrefix: config.REDIS_KEY_PREFIX },
        'event-consumer started',
      );
    },
    async stop(): Promise<void> {
      stopping = true;
      // Leaves the group; a chunk not yet acknowledged by Redis stays uncommitted and is redelivered.
      await consumer.disconnect();
      await dlqProducer.disconnect();
      await redis.quit().catch(() => redis.disconnect());
      await ops?.close();
    },
  };
}
