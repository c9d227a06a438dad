import type { AdminSession } from '@eventstreamapp/service-kit';
import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { withFormat } from '../http/format-route.js';
import { registerStatusGauges } from './gauges.js';
import { createPipelineStatus, type PipelineStatusOptions } from './pipeline-status.js';
import { createStatusRoute } from './status-route.js';

export interface StatusRoomDeps {
  config: Pick<
    Config,
    'KAFKA_TOPIC' | 'KAFKA_DLQ_TOPIC' | 'KAFKA_GROUP_ID' | 'STATUS_SAMPLE_MS' | 'STATUS_HISTORY_MINUTES' | 'LAG_WINDOW'
  >;
  /** The dedup index's key, or in the cluster topology each log bucket's. */
  dedupIndexKeys: string[];
  redis: Redis | Cluster;
  /** Without Kafka, GET /status answers 503 kafka_unavailable and no gauge is registered. */
  admin?: AdminSession;
  /** The dead-letter room's window, for the DLQ's depth and newest letter. */
  deadLetters?: PipelineStatusOptions['deadLetters'];
  /** The gauges the alert rules read (gauges.ts) join this registry. */
  registry: Registry;
  warn: (event: string, err: unknown, message: string) => void;
}

/** The status room: GET /status, the pipeline sampled from Kafka's admin API and Redis, and the gauges built on it. */
export function createStatusRoom({
  config,
  dedupIndexKeys,
  redis,
  admin,
  deadLetters,
  registry,
  warn,
}: StatusRoomDeps) {
  const status = admin
    ? createPipelineStatus({
        admin,
        redis,
        topics: { events: config.KAFKA_TOPIC, dlq: config.KAFKA_DLQ_TOPIC },
        group: config.KAFKA_GROUP_ID,
        dedupIndexKeys,
        sampleMs: config.STATUS_SAMPLE_MS,
        historyMs: config.STATUS_HISTORY_MINUTES * 60_000,
        lagWindowMs: config.LAG_WINDOW,
        ...(deadLetters ? { deadLetters } : {}),
        onError: (source, err) => warn(`status.${source}_failed`, err, `the status sample could not read ${source}`),
      })
    : undefined;
  if (status) {
    registerStatusGauges(registry, status.snapshot, {
      group: config.KAFKA_GROUP_ID,
      topic: config.KAFKA_TOPIC,
      dlq: config.KAFKA_DLQ_TOPIC,
    });
  }
  const router = Router();
  router.get('/status', withFormat(status && createStatusRoute(status, config.STATUS_SAMPLE_MS)));
  return {
    router,
    start: () => status?.start(),
    stop: async () => status?.stop(),
  };
}
