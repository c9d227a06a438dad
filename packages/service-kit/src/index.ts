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
} from './config.js';
export { CONFIG_ERROR_EXIT } from './exit-codes.js';
export { classifyRequestError, clientErrorStatus, HttpError, httpErrorFactory, type RequestFailure } from './http-error.js';
export { httpObservability } from './http-observability.js';
export { eventIdBytes, ID_BUCKETS_LUA } from './id-buckets-lua.js';
export { createKafka, createProducer, type KafkaOptions, watchProducer } from './kafka.js';
export { type Closer, closeInStages, once } from './lifecycle.js';
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
export { type Probe, startProbe } from './probe.js';
export { createRedisClient, describeRedisAddress, type RedisAddress, type RedisClientOptions, redisEnv, redisFailure } from './redis.js';
export { type Backoff, backoffDelay, type RetryOptions, retryUntilStopped } from './retry.js';
export { loadConfigOrExit, runService, type Service } from './run.js';
export { describeError, SERVICE_ERROR_CODES, ServiceError, type ServiceErrorCode } from './service-error.js';
export { createThrottle } from './throttle.js';
