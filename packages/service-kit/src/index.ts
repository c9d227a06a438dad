export { type AdminSession, createAdminSession } from './admin-session.js';
export { type Authorization, parseAuthorization } from './authorization.js';
export { BatchingPublisher } from './batching-publisher.js';
export {
  ConfigError,
  commonEnv,
  DEPRECATED_VARIABLES,
  deprecationNotices,
  envBrokers,
  envDuration,
  envInt,
  envLogLevel,
  envPort,
  envTopic,
  formatDuration,
  httpEnv,
  kafkaEnv,
  parseDuration,
  parseEnv,
  publishEnv,
  retryAfterEnv,
} from './config.js';
export { CONFIG_ERROR_EXIT, USAGE_EXIT } from './exit-codes.js';
export { committedOffsets, type PartitionLag, readGroupLag, recordsBehind } from './group-lag.js';
export { COMMON_ERROR_CODES, classifyRequestError, HttpError, httpErrorFactory } from './http-error.js';
export { httpObservability } from './http-observability.js';
export { createKafka, createProducer, kafkaSasl, serviceKafka, watchProducer } from './kafka.js';
export { closeInStages, once } from './lifecycle.js';
export { createLogger, type Logger } from './logger.js';
export { createLru } from './lru.js';
export { createRegistry } from './metrics.js';
export {
  createHttpServer,
  createOpsHandler,
  listen,
  type OpsOptions,
  type ReadinessCheck,
  type StartedServer,
  startOpsServer,
} from './ops.js';
export { KAFKA_PROBE_INTERVAL_MS, KAFKA_PROBE_TIMEOUT_MS, type Probe, startKafkaProbe, startProbe } from './probe.js';
export { BATCH_OVERHEAD_BYTES, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, largestEventFor } from './record-size.js';
export { createRedisClient, redisEnv, redisFailure, redisRead } from './redis.js';
export { type Backoff, backoffDelay, retryUntilStopped } from './retry.js';
export { loadConfigOrExit, runService, type Service } from './run.js';
export { describeError, ServiceError } from './service-error.js';
export { createThrottle } from './throttle.js';
export { type PartitionEnds, topicEnds } from './topic-ends.js';
