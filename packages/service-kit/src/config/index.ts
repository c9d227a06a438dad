/** Environment variables parsed and checked at start-up: the shapes every service shares. */
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
