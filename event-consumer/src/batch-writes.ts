import { bucketKeys, type RedisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { describeError, type Logger, redisFailure, ServiceError } from '@eventstreamapp/service-kit';
import { Cluster, type Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import type { Config } from './config.js';
import type { ConsumeBatchDeps, WriteTarget } from './consume-batch.js';
import { toDeadLetter } from './dead-letter.js';
import type { ConsumerMetrics } from './metrics.js';
import { type StoreOptions, storeEvents } from './store-events.js';
import { storeEventsInCluster } from './store-events-cluster.js';

export interface BatchWritesOptions {
  config: Config;
  logger: Logger;
  redis: Redis | Cluster;
  keys: RedisKeys;
  dlqProducer: Producer;
  metrics: ConsumerMetrics;
  /** Passes one warning per event name per interval (createThrottle). */
  throttle: (event: string) => { pass: boolean; suppressed: number };
}

/** Waits, but wakes early when the batch stops being ours, so a long backoff never delays SIGTERM. */
async function pause(ms: number, stillOurs: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && stillOurs()) await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
}

function errorCode(err: unknown): string {
  return err instanceof ServiceError ? err.code : 'kafka_unavailable';
}

/** How a chunk is stored: in one script on one Redis, or bucket by bucket on a Redis Cluster. */
function chunkStore(config: Config, redis: Redis | Cluster, keys: RedisKeys) {
  const options: StoreOptions = {
    dedupWindowMs: config.DEDUP_WINDOW_MS,
    maxLogLength: config.EVENT_LOG_MAX_LEN,
    retentionMs: config.EVENT_RETENTION,
    userKeyTtlMs: config.USER_KEY_TTL,
    maxStreamLength: config.EVENT_STREAM_MAX_LEN,
    waitReplicas: config.REDIS_WAIT_REPLICAS,
    waitTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
  };
  if (!(redis instanceof Cluster)) return (accepted: Accepted[]) => storeEvents(redis, keys, accepted, options);
  const buckets = bucketKeys(keys, config.REDIS_CLUSTER_BUCKETS);
  return (accepted: Accepted[]) => storeEventsInCluster(redis, keys, buckets, accepted, options);
}

/**
 * Where a batch's chunks go (Redis through the store script, refused records to the dead-letter topic)
 * and what each write tells the metrics, the logs and readiness.
 */
export function createBatchWrites({ config, logger, redis, keys, dlqProducer, metrics, throttle }: BatchWritesOptions) {
  /** Why the last write to each target failed, until one succeeds: Redis may be connected yet unusable. */
  const failing: Partial<Record<WriteTarget, ServiceError>> = {};
  /** The broker timestamp of the last record stored from each partition (consumer_lag_seconds). */
  const lastStoredAt = new Map<number, number>();

  const storeChunk = chunkStore(config, redis, keys);

  const deps: ConsumeBatchDeps = {
    chunkEvents: config.WRITE_CHUNK_EVENTS,
    maxEventBytes: config.MAX_EVENT_BYTES,
    maxFutureMs: config.TIMESTAMP_MAX_FUTURE_MS,
    maxBackoffMs: config.RETRY_MAX_BACKOFF_MS,
    pause,
    async store(plan) {
      const end = metrics.writeSeconds.startTimer();
      const result = await storeChunk(plan.accepted);
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
        failing[target] =
          failure ?? new ServiceError('kafka_unavailable', describeError(err), { retryable: true, cause: err });
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
        for (const message of messages)
          metrics.storedLatency.observe(Math.max(0, storedAt - Number(message.timestamp)) / 1000);
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
            {
              event: 'dlq.record',
              partition,
              offset: refused.offset,
              reason: refused.rejection.code,
              detail: refused.rejection.message,
            },
            'record sent to the dead-letter topic',
          );
        }
      },
    },
  };
  return {
    deps,
    failing: failing as Readonly<typeof failing>,
    lastStoredAt: lastStoredAt as ReadonlyMap<number, number>,
  };
}
