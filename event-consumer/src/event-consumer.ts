import { redisKeys } from '@eventstreamapp/event-schema';
import {
  closeInStages,
  createProducer,
  createThrottle,
  describeError,
  type Logger,
  once,
  redisFailure,
  retryUntilStopped,
  ServiceError,
  type StartedServer,
  startKafkaProbe,
  startOpsServer,
} from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import type { Consumer, Kafka } from 'kafkajs';
import type { Config } from './config.js';
import { type ConsumeBatchDeps, consumeBatch, type WriteTarget } from './consume-batch.js';
import { toDeadLetter } from './dead-letter.js';
import { readGroupLag } from './group-lag.js';
import { createMetrics } from './metrics.js';
import { storeEvents } from './store-events.js';

export interface EventConsumerDeps {
  config: Config;
  logger: Logger;
  kafka: Kafka;
  redis: Redis;
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

/** Crashes in a row, without a join between them, after which the group member is replaced. */
const MEMBER_RENEWAL_CRASHES = 2;

/** Waits, but wakes early when the batch stops being ours, so a long backoff never delays SIGTERM. */
async function pause(ms: number, stillOurs: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && stillOurs()) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
}

function errorCode(err: unknown): string {
  return err instanceof ServiceError ? err.code : 'kafka_unavailable';
}

/**
 * Reads `events` in batches and stores them in Redis, each event_id once: a chunk's offsets are
 * committed only after Redis (and, for refused records, the dead-letter topic) acknowledged it.
 */
export function createEventConsumer({ config, logger, kafka, redis }: EventConsumerDeps) {
  const keys = redisKeys(config.REDIS_KEY_PREFIX);
  const admin = kafka.admin();
  let adminConnected: Promise<void> | undefined;
  /** Partitions this member holds, and the broker timestamp of the last record it stored from each. */
  let assigned = new Set<number>();
  const lastStoredAt = new Map<number, number>();
  const metrics = createMetrics(
    config.KAFKA_TOPIC,
    async () => {
      adminConnected ??= admin.connect().catch((err: unknown) => {
        adminConnected = undefined;
        throw err;
      });
      await adminConnected;
      return readGroupLag(admin, config.KAFKA_GROUP_ID, config.KAFKA_TOPIC);
    },
    { partitions: () => (joined ? assigned : new Set()), lastStoredAt: (partition) => lastStoredAt.get(partition) },
  );
  /**
   * Each group member this process makes has a generation; only the newest one's events count, and a
   * member replaced is never restarted by kafkajs (restartOnFailure), so one process is one member
   * whatever the broker does.
   */
  let generation = 0;
  /** Crashes since the member last joined its group. */
  let crashesSinceJoin = 0;
  /** Set when the current member's last crash was its MEMBER_RENEWAL_CRASHES-th: replace it, do not restart it. */
  let renewalDue = false;
  const newMember = (memberGeneration: number) =>
    kafka.consumer({
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      // A third of the session, as Kafka advises: two heartbeats may be lost before the member is.
      heartbeatInterval: Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3),
      maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
      minBytes: config.KAFKA_FETCH_MIN_BYTES,
      maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
      // kafkajs' own default for a consumer (it does not take the client's retries), with one change:
      // kafkajs asks before it restarts a crashed member, and a replaced or renewing one stays down.
      retry: {
        retries: 5,
        restartOnFailure: async () => {
          if (memberGeneration !== generation || stopping.signal.aborted) return false;
          crashesSinceJoin++;
          renewalDue = crashesSinceJoin >= MEMBER_RENEWAL_CRASHES;
          return !renewalDue;
        },
      },
    });
  let consumer = newMember(generation);
  const dlqProducer = createProducer(kafka);
  const stopping = new AbortController();
  const throttle = createThrottle(5_000);
  let ops: StartedServer | undefined;
  let kafkaProbe: ReturnType<typeof startKafkaProbe> | undefined;
  let connecting: Promise<unknown> = Promise.resolve();
  let joined = false;
  /** Why the last write to each target failed, until one succeeds: Redis may be connected yet unusable. */
  const failing: Partial<Record<WriteTarget, ServiceError>> = {};
  let onFatal: (err: Error) => void = () => {};

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
    if (redisWasReady && !stopping.signal.aborted) logger.warn({ event: 'redis.lost' }, 'Redis connection lost; reconnecting');
    redisWasReady = false;
  });

  let renewing: Promise<void> | undefined;

  function watch(member: Consumer, memberGeneration: number): void {
    const current = () => memberGeneration === generation;
    member.on(member.events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      joined = true;
      assigned = new Set(payload.memberAssignment[config.KAFKA_TOPIC] ?? []);
      crashesSinceJoin = 0;
      logger.info(
        { event: 'consumer.joined', memberId: payload.memberId, assignment: payload.memberAssignment },
        'joined the consumer group',
      );
    });
    member.on(member.events.CRASH, ({ payload }) => {
      if (!current()) return;
      joined = false;
      logger.error({ event: 'consumer.crashed', reason: describeError(payload.error), restart: payload.restart }, 'consumer crashed');
      if (payload.restart || stopping.signal.aborted) return;
      // kafkajs restarts a crashed member on the same client, whose cached brokers and coordinator can stay
      // wrong after a broker dies: it crashed for minutes with "group coordinator is not available" after
      // every broker was back (kafkajs #1630; tests/replicated). A member that keeps crashing is replaced
      // by one on a fresh client, as a restarted process would be, without losing the process.
      if (renewalDue) renewMember();
      // kafkajs does not restart after some errors: the process exits so its supervisor starts a fresh one.
      else onFatal(payload.error);
    });
  }

  /** Replaces the current member; synchronous up to its generation, so a second crash report cannot start another. */
  function renewMember(): void {
    logger.warn({ event: 'consumer.renewed', crashes: crashesSinceJoin }, 'replacing a group member that keeps crashing');
    generation++;
    const memberGeneration = generation;
    const old = consumer;
    crashesSinceJoin = 0;
    renewalDue = false;
    assigned = new Set();
    const previous = renewing ?? Promise.resolve();
    renewing = (async () => {
      await previous;
      // kafkajs disconnected it before reporting the crash and will not restart it (restartOnFailure said no).
      await Promise.race([old.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
      if (stopping.signal.aborted || memberGeneration !== generation) return;
      consumer = newMember(memberGeneration);
      watch(consumer, memberGeneration);
      connecting = keepConnecting(consumer, memberGeneration);
    })().finally(() => {
      if (memberGeneration === generation) renewing = undefined;
    });
  }
  watch(consumer, generation);

  const deps: ConsumeBatchDeps = {
    chunkEvents: config.WRITE_CHUNK_EVENTS,
    maxEventBytes: config.MAX_EVENT_BYTES,
    maxFutureMs: config.TIMESTAMP_MAX_FUTURE_MS,
    maxBackoffMs: config.RETRY_MAX_BACKOFF_MS,
    pause,
    async store(plan) {
      const end = metrics.writeSeconds.startTimer();
      const result = await storeEvents(redis, keys, plan.accepted, {
        dedupWindowMs: config.DEDUP_WINDOW_MS,
        maxLogLength: config.EVENT_LOG_MAX_LEN,
        retentionMs: config.EVENT_RETENTION,
        userKeyTtlMs: config.USER_KEY_TTL,
        maxStreamLength: config.EVENT_STREAM_MAX_LEN,
        waitReplicas: config.REDIS_WAIT_REPLICAS,
        waitTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
      });
      end();
      return result;
    },
    async deadLetter(refused, topic, partition) {
      try {
        await dlqProducer.send({
          topic: config.KAFKA_DLQ_TOPIC,
          acks: -1,
          messages: refused.map((r) => toDeadLetter(r, topic, partition)),
        });
      } catch (err) {
        throw new ServiceError('kafka_unavailable', `the dead-letter topic is unavailable: ${describeError(err)}`, {
          retryable: true,
          cause: err,
        });
      }
    },
    on: {
      failed(target, err, attempt, retryInMs) {
        const failure = err instanceof ServiceError ? err : target === 'redis' ? redisFailure(err) : undefined;
        failing[target] = failure ?? new ServiceError('kafka_unavailable', describeError(err), { retryable: true, cause: err });
        metrics.retries.inc({ target, code: errorCode(failing[target]) });
        const { pass, suppressed } = throttle(`write.failed.${target}`);
        if (pass) {
          logger.warn(
            {
              event: 'write.failed',
              target,
              code: failing[target]!.code,
              reason: failing[target]!.message,
              attempt,
              retryInMs,
              suppressed,
            },
            'write failed; offsets not committed, retrying the same records',
          );
        }
      },
      recovered(target, attempts) {
        delete failing[target];
        logger.info({ event: 'write.recovered', target, attempts }, 'write succeeded after retrying');
      },
      chunkStored(plan, result, partition, messages) {
        const storedAt = Date.now();
        for (const message of messages) metrics.storedLatency.observe(Math.max(0, storedAt - Number(message.timestamp)) / 1000);
        lastStoredAt.set(partition, Number(messages.at(-1)!.timestamp));
        delete failing.redis;
        if (plan.refused.length > 0) delete failing.dlq;
        metrics.stored.inc(result.stored);
        metrics.duplicates.inc(result.duplicates);
        metrics.expired.inc(result.expired);
        metrics.chunkSize.observe(plan.accepted.length + plan.refused.length);
        for (const refused of plan.refused) {
          metrics.deadLettered.inc({ reason: refused.rejection.code });
          logger.warn(
            { event: 'dlq.record', partition, offset: refused.offset, reason: refused.rejection.code, detail: refused.rejection.message },
            'record sent to the dead-letter topic',
          );
        }
      },
    },
  };

  // Kafka may come up after us (a fresh stack, a broker restart): keep trying instead of exiting, for as
  // long as this member is the process's current one.
  const keepConnecting = (member: Consumer, memberGeneration: number) =>
    retryUntilStopped(
      async () => {
        if (memberGeneration !== generation) return;
        await connectAndRun(member);
      },
      {
        signal: stopping.signal,
        maxDelayMs: 5_000,
        onRetry: (err, retryInMs) =>
          logger.warn({ event: 'kafka.unreachable', reason: describeError(err), retryInMs }, 'Kafka not reachable yet'),
      },
    );

  async function connectAndRun(member: Consumer): Promise<void> {
    await dlqProducer.connect();
    await member.connect();
    await member.subscribe({ topic: config.KAFKA_TOPIC, fromBeginning: true });
    await member.run({
      eachBatch: async (payload) => {
        await consumeBatch(payload, deps);
      },
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    });
    logger.info(
      { event: 'consumer.running', topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID, keyPrefix: config.REDIS_KEY_PREFIX },
      'consuming',
    );
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
      kafkaProbe = startKafkaProbe(kafka);
      ops = await startOpsServer({
        registry: metrics.registry,
        port: config.PORT,
        host: config.HOST,
        readiness: () => [
          // A member keeps believing it is joined for a session or more after its broker died or froze:
          // the probe says within seconds.
          joined
            ? (kafkaProbe?.check ?? { name: 'kafka', ok: false, detail: 'not probed yet' })
            : { name: 'kafka', ok: false, detail: 'not a member of the consumer group' },
          {
            name: 'redis',
            ok: redis.status === 'ready' && !failing.redis,
            detail: failing.redis ? `${failing.redis.code}: ${failing.redis.message}` : redis.status,
          },
          { name: 'dead-letter topic', ok: !failing.dlq, ...(failing.dlq ? { detail: failing.dlq.message } : {}) },
        ],
      });
      redis
        .connect()
        .catch((err: Error) => logger.warn({ event: 'redis.unreachable', reason: describeError(err) }, 'Redis not reachable yet'));
      connecting = keepConnecting(consumer, generation);
      logger.info(
        { event: 'service.listening', url: ops.url, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID },
        'event-consumer started',
      );
    },
    stop: once(async () => {
      stopping.abort();
      // Leaving the group first: a chunk not yet acknowledged by Redis stays uncommitted and is redelivered.
      await closeInStages([
        [
          ['connect loop', () => connecting],
          ['member renewal', () => renewing],
          ['consumer', () => consumer.disconnect()],
        ],
        [
          ['dead-letter producer', () => dlqProducer.disconnect()],
          ['admin', () => admin.disconnect()],
          ['kafka probe', () => kafkaProbe?.close()],
          ['redis', () => redis.quit().catch(() => redis.disconnect())],
        ],
        [['ops server', () => ops?.close()]],
      ]);
    }),
  };
}
