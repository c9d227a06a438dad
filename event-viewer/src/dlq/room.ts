import type { RedisKeys } from '@eventstreamapp/event-schema';
import { replayDeadLetters } from '@eventstreamapp/pipeline';
import { type AdminSession, closeInStages } from '@eventstreamapp/service-kit';
import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { Csrf } from '../http/csrf.js';
import { withFormat } from '../http/format-route.js';
import { isOperator, principalOf } from '../http/roles.js';
import { createDeadLetterRoute } from './dead-letter-page.js';
import { createDeadLetterWindow } from './dead-letters.js';
import { createReplayJobs } from './replay-jobs.js';
import { createReplayRoutes } from './replay-routes.js';

export interface DlqRoomDeps {
  config: Pick<
    Config,
    | 'KAFKA_TOPIC'
    | 'KAFKA_DLQ_TOPIC'
    | 'DLQ_WINDOW'
    | 'DLQ_PREVIEW_BYTES'
    | 'MAX_EVENT_BYTES'
    | 'TIMESTAMP_MAX_FUTURE_MS'
    | 'REDIS_CLUSTER_BUCKETS'
  >;
  keys: Pick<RedisKeys, 'eventLog' | 'eventIds' | 'replayLock'>;
  redis: Redis | Cluster;
  /** Without Kafka, /dlq and the replay routes stay listed and answer 503 kafka_unavailable. */
  kafka?: Kafka;
  admin?: AdminSession;
  audit: Pick<AuditLog, 'append'>;
  csrf: Csrf;
  registry: Registry;
  warn: (event: string, err: unknown, message: string) => void;
  /** The audit's lines in the viewer's log (info). */
  log: (fields: Record<string, unknown>, message: string) => void;
}

/**
 * The dead-letter room: GET /dlq (the dead-letter topic followed by a consumer of its own) and, for
 * operators, replays from it (replay-routes.ts), each audited through the audit room's log.
 */
export function createDlqRoom({ config, keys, redis, kafka, admin, audit, csrf, registry, warn, log }: DlqRoomDeps) {
  const deadLetters =
    kafka && admin
      ? createDeadLetterWindow({
          kafka,
          admin,
          topic: config.KAFKA_DLQ_TOPIC,
          perPartition: config.DLQ_WINDOW,
          previewBytes: config.DLQ_PREVIEW_BYTES,
          onError: (err) => warn('dlq.read_failed', err, 'could not follow the dead-letter topic; retrying'),
        })
      : undefined;
  const replaysEnded = new Counter({
    name: 'dlq_replays_total',
    help:
      'Dead-letter replays started from this viewer that ended, by kind (dry_run, replay) and outcome (done, ' +
      'failed)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const replays = kafka
    ? createReplayJobs({
        replay: (options, holder) =>
          replayDeadLetters(
            {
              kafka,
              redis,
              keys,
              clusterBuckets: config.REDIS_CLUSTER_BUCKETS,
              holder,
              topics: { events: config.KAFKA_TOPIC, dlq: config.KAFKA_DLQ_TOPIC },
              maxEventBytes: config.MAX_EVENT_BYTES,
              maxFutureMs: config.TIMESTAMP_MAX_FUTURE_MS,
            },
            options,
          ),
        audit,
        log,
        onEnded: (job) => replaysEnded.inc({ kind: job.dryRun ? 'dry_run' : 'replay', outcome: job.state }),
        onAuditFailed: (err) =>
          warn('audit.write_failed', err, 'an audit record could not be written to Redis; the log line above holds it'),
      })
    : undefined;

  const router = Router();
  router.get(
    '/dlq',
    withFormat(
      deadLetters &&
        createDeadLetterRoute({
          window: deadLetters,
          topic: config.KAFKA_DLQ_TOPIC,
          perPartition: config.DLQ_WINDOW,
          operatorControls: (res) =>
            replays && isOperator(res)
              ? {
                  csrfToken: csrf.tokenFor(principalOf(res)!),
                  ...(replays.running ? { running: replays.running } : {}),
                }
              : undefined,
        }),
    ),
  );
  router.use(createReplayRoutes({ ...(replays ? { jobs: replays } : {}), csrf }));
  return {
    router,
    /** What the status room shows of the dead letters (their depth, the newest). */
    deadLetters,
    start: () => deadLetters?.start(),
    async stop(): Promise<void> {
      await closeInStages([
        [['replay', async () => replays?.stop()]],
        [['dead letters', async () => deadLetters?.stop()]],
      ]);
    },
  };
}
