import { Redis } from 'ioredis';

/**
 * A client that fails commands at once while disconnected instead of queueing them without
 * limit (ioredis' offline queue): the consumer retries whole batches itself, so memory stays
 * bounded however long Redis is away.
 */
export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    connectionName,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
