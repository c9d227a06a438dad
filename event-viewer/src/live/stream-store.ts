import type { RedisKeys } from '@eventstreamapp/event-schema';
import { redisRead } from '@eventstreamapp/service-kit';
import type { Cluster, Redis } from 'ioredis';
import { fromStreamReply, headOf, type StreamEntry } from '../model/stream-entry.js';
import type { StreamSource } from './feed.js';

/** The live stream's reads a client that fell behind catches up with (the feed's StreamSource). */
export function createStreamStore(redis: Redis | Cluster, keys: Pick<RedisKeys, 'eventStream'>): StreamSource {
  return {
    newest: () => redisRead(async () => headOf(await redis.xrevrange(keys.eventStream, '+', '-', 'COUNT', 1))),

    oldestKeptAfterTrim: () =>
      redisRead(async () => {
        if ((await redis.exists(keys.eventStream)) === 0) return undefined;
        const info = (await redis.xinfo('STREAM', keys.eventStream)) as unknown[];
        const field = (name: string) => info[info.indexOf(name) + 1];
        return Number(field('entries-added')) > Number(field('length'))
          ? String(field('recorded-first-entry-id'))
          : undefined;
      }),

    after: (afterId: string, count: number): Promise<StreamEntry[]> =>
      redisRead(async () =>
        fromStreamReply(
          (await redis.xrange(keys.eventStream, `(${afterId}`, '+', 'COUNT', count)) as [string, string[]][],
        ),
      ),
  };
}
