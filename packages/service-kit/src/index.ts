export { type AdminSession, createAdminSession } from './admin-session.js';
export { parseAuthorization } from './authorization.js';
export { BatchingPublisher } from './batching-publisher.js';
export {
  commonEnv,
  envDuration,
  envInt,
  envTopic,
  formatDuration,
  httpEnv,
  kafkaEnv,
  parseEnv,
  publishEnv,
  recordLimitsEnv,
  retryAfterEnv,
} from './config.js';
export {
  formatReport,
  type ReplayOptions,
  type ReplayReport,
  replayDeadLetters,
} from './dead-letter-replay.js';
export { USAGE_EXIT } from './exit-codes.js';
export { committedOffsets, type PartitionLag, readGroupLag } from './group-lag.js';
export { COMMON_ERROR_CODES, classifyRequestError, HttpError, httpErrorFactory } from './http-error.js';
export { httpObservability } from './http-observability.js';
export { createKafka, createProducer, serviceKafka, watchProducer } from './kafka.js';
export { closeInStages, once } from './lifecycle.js';
export { createLogger, type Logger } from './logger.js';
export { createLru } from './lru.js';
export { createRegistry } from './metrics.js';
export {
  createHttpServer,
  listen,
  type ReadinessCheck,
  type StartedServer,
  startOpsServer,
} from './ops.js';
export { type Accepted, type ChunkPlan, planChunk, type Refused } from './plan-chunk.js';
export { type Probe, startKafkaProbe, startProbe } from './probe.js';
export { type PartitionRange, readTopicRanges } from './read-ranges.js';
export { BATCH_OVERHEAD_BYTES, largestEventFor } from './record-size.js';
export { createRedisClient, redisEnv, redisFailure, redisRead } from './redis.js';
export { backoffDelay, retryUntilStopped } from './retry.js';
export { loadConfigOrExit, runService } from './run.js';
export { describeError, ServiceError } from './service-error.js';
export { createThrottle } from './throttle.js';
export { type PartitionEnds, topicEnds } from './topic-ends.js';
