/** Redis: the client every service makes, its configuration, and what its failures mean. */
export { createRedisClient, redisEnv, redisFailure, redisRead } from './redis.js';
