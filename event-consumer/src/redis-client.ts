import { Redis } from 'ioredis';

/**
 * A client that fails commands at once while disconnected instead of queueing them without
 * limit (ioredis' offline queue): the consumer retries whole batches itself, so memory stays
 * bounded however long Redis is away. A Redis that hangs without closing the connection (frozen,
 * or a network partition) fails commands after `commandTimeoutMs` instead of blocking the batch
 * forever, so the consumer keeps heartbeating and reports itself not ready.
 */
export function createRedis(url: string, connectionName: string, commandTimeoutMs = 5_000): Redis {
  return new Redis(url, {
    connectionName,
    commandTimeout: commandTimeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
