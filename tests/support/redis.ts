import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { uniqueName } from './kafka.js';

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
      if (redis.status === 'ready') {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      redis.disconnect();
    },
  };
}
