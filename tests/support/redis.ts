import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { uniqueName } from './kafka.js';
import { deleteKeysWithPrefix } from './redis-keys.js';

export interface TestRedis {
  redis: Redis;
  /** Prefix for every key this test file writes; the services take it as REDIS_KEY_PREFIX. */
  prefix: string;
  /** Deletes every key under the prefix and closes the connection. */
  close(): Promise<void>;
}

export function testRedis(label: string, url = inject('redisUrl')): TestRedis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  const prefix = `${uniqueName(label)}:`;
  return {
    redis,
    prefix,
    close: async () => {
      if (redis.status === 'ready') await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
