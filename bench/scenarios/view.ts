import { storedEvent } from '../lib/events.js';
import { hammer } from '../lib/load.js';
import { benchRedis, deletePrefix, redisKeys, writeLikeTheConsumer } from '../lib/redis-helpers.js';
import type { Scenario } from '../lib/report.js';
import { runId, startService } from '../lib/stack.js';

export const viewScenario: Scenario = async ({ connections, durationSeconds }) => {
  const prefix = `${runId('view')}:`;
  const redis = benchRedis();
  await writeLikeTheConsumer(
    redis,
    redisKeys(prefix),
    Array.from({ length: 10_000 }, (_, i) => storedEvent(i)),
  );
  const viewer = await startService('event-viewer', { REDIS_KEY_PREFIX: prefix });
  try {
    const result = await hammer({
      url: `${viewer.url}/events?limit=50`,
      headers: { accept: 'application/json' },
      connections,
      durationSeconds,
    });
    return {
      parameters: { connections, durationSeconds, storedEvents: 10_000, limit: 50 },
      errors: result.errors + result.non2xx,
      rows: [
        {
          scenario: 'view',
          measure: 'GET /events JSON, limit 50',
          value: result.requestsPerSecond,
          unit: 'req/s',
          note: `${result.requests} requests`,
        },
        { scenario: 'view', measure: 'GET /events latency p99', value: result.p99Ms, unit: 'ms' },
        { scenario: 'view', measure: 'errors (connection + non-2xx)', value: result.errors + result.non2xx, unit: 'count' },
      ],
    };
  } finally {
    await viewer.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
};
