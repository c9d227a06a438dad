import type { RedisKeys } from '@eventstreamapp/event-schema';
import { closeInStages, createAdminSession, replayDeadLetters } from '@eventstreamapp/service-kit';
import { type Request, type Response, Router } from 'express';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createCsrf } from '../http/csrf.js';
import { httpError } from '../http/errors.js';
import { negotiate } from '../http/negotiate.js';
import { isOperator, principalOf } from '../http/roles.js';
import { createAuditLog } from './audit-log.js';
import { createDeadLetterRoute } from './dead-letter-page.js';
import { createDeadLetterWindow } from './dead-letters.js';
import { registerStatusGauges } from './gauges.js';
import { createPipelineStatus } from './pipeline-status.js';
import { createReplayJobs } from './replay-jobs.js';
import { createReplayRoutes } from './replay-routes.js';
import { createStatusRoute } from './status-route.js';

export interface OpsConsoleDeps {
  config: Pick<
    Config,
    | 'KAFKA_TOPIC'
    | 'KAFKA_DLQ_TOPIC'
    | 'KAFKA_GROUP_ID'
    | 'DLQ_WINDOW'
    | 'DLQ_PREVIEW_BYTES'
    | 'STATUS_SAMPLE_MS'
    | 'STATUS_HISTORY_MINUTES'
    | 'LAG_WINDOW'
    | 'MAX_EVENT_BYTES'
    | 'TIMESTAMP_MAX_FUTURE_MS'
    | 'AUDIT_RETENTION'
    | 'CSRF_TOKEN_TTL'
    | 'VIEWER_PUBLIC_ORIGIN'
  >;
  keys: Pick<RedisKeys, 'eventIds' | 'eventLog' | 'replayLock' | 'auditLog'>;
  redis: Redis;
  /** Without Kafka the console's routes stay listed and answer 503 kafka_unavailable. */
  kafka?: Kafka;
  /** The gauges the alert rules read (gauges.ts) join this registry. */
  registry: Registry;
  warn: (event: string, err: unknown, message: string) => void;
  /** The audit's lines in the viewer's log (info). */
  log: (fields: Record<string, unknown>, message: string) => void;
}

type Format = 'html' | 'json';
type FormatHandler = (req: Request, res: Response, format: Format) => void | Promise<void>;

/**
 * The operations console: GET /status (the pipeline sampled from Kafka admin and Redis) and GET /dlq (the
 * dead-letter topic followed by a consumer of its own), the gauges built on them, and the operators'
 * replays from /dlq with their audit log (replay-routes.ts).
 */
export function createOpsConsole({ config, keys, redis, kafka, registry, warn, log }: OpsConsoleDeps) {
  const admin = kafka ? createAdminSession(kafka) : undefined;
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
  const status = admin
    ? createPipelineStatus({
        admin,
        redis,
        topics: { events: config.KAFKA_TOPIC, dlq: config.KAFKA_DLQ_TOPIC },
        group: config.KAFKA_GROUP_ID,
        dedupIndexKey: keys.eventIds,
        sampleMs: config.STATUS_SAMPLE_MS,
        historyMs: config.STATUS_HISTORY_MINUTES * 60_000,
        lagWindowMs: config.LAG_WINDOW,
        ...(deadLetters ? { deadLetters } : {}),
        onError: (source, err) => warn(`status.${source}_failed`, err, `the status sample could not read ${source}`),
      })
    : undefined;
  if (status)
    registerStatusGauges(registry, status.snapshot, {
      group: config.KAFKA_GROUP_ID,
      topic: config.KAFKA_TOPIC,
      dlq: config.KAFKA_DLQ_TOPIC,
    });

  const audit = createAuditLog(redis, keys.auditLog, config.AUDIT_RETENTION);
  const csrf = createCsrf({
    ttlMs: config.CSRF_TOKEN_TTL,
    ...(config.VIEWER_PUBLIC_ORIGIN ? { publicOrigin: config.VIEWER_PUBLIC_ORIGIN } : {}),
  });
  const replaysEnded = new Counter({
    name: 'dlq_replays_total',
    help: 'Dead-letter replays started from this viewer that ended, by kind (dry_run, replay) and outcome (done, failed)',
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

  const withFormat = (handler: FormatHandler | undefined) => (req: Request, res: Response) => {
    res.vary('Accept');
    const format = negotiate(req);
    if (!handler) throw httpError('kafka_unavailable', 'this viewer was started without Kafka');
    return handler(req, res, format);
  };
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
              ? { csrfToken: csrf.tokenFor(principalOf(res)!), ...(replays.running ? { running: replays.running } : {}) }
              : undefined,
        }),
    ),
  );
  router.use(createReplayRoutes({ ...(replays ? { jobs: replays } : {}), audit, csrf }));
  router.get('/status', withFormat(status && createStatusRoute(status, config.STATUS_SAMPLE_MS)));

  return {
    router,
    start(): void {
      deadLetters?.start();
      status?.start();
    },
    async stop(): Promise<void> {
      await closeInStages([
        [['replay', async () => replays?.stop()]],
        [
          ['dead letters', async () => deadLetters?.stop()],
          ['status', async () => status?.stop()],
        ],
        [['kafka admin', async () => admin?.stop()]],
      ]);
    },
  };
}
