/** Redis: the client every service makes, its configuration, and what its failures mean. */
export {
  createRedisClient,
  createStoreClient,
  redisAddressIssue,
  redisEnv,
  redisFailure,
  redisRead,
} from './redis.js';
