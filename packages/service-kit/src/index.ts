export {
  ConfigError,
  commonEnv,
  DEPRECATED_VARIABLES,
  deprecationNotices,
  envBrokers,
  envInt,
  envLogLevel,
  envPort,
  envRedisUrl,
  envTopic,
  httpEnv,
  kafkaEnv,
  parseEnv,
} from './config.js';
export { HttpError, httpErrorClass } from './http-error.js';
export { httpObservability } from './http-observability.js';
export { createKafka, createProducer, type KafkaOptions, watchProducer } from './kafka.js';
export { createLogger, type Logger } from './logger.js';
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
export { loadConfigOrExit, runService, type Service } from './run.js';
