import { decodeStreamEntry, normalizeEvent } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../event-consumer/src/config.js';
import { storeEvents } from '../../event-consumer/src/store-events.js';
import { clientEvent } from '../lib/events.js';
import { benchRedis, defaultStoreOptions, deletePrefix, redisKeys } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { runId } from '../lib/stack.js';

const MIB = 1024 * 1024;
const DAY_S = 86_400;
const RATES = [10, 300, 1_000];

async function bytesOf(redis: Redis, keys: string[]): Promise<number> {
  const pipeline = redis.pipeline();
  // SAMPLES 0: the default samples five members and under-reports a set of large members by about 5×.
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
  const replies = (await pipeline.exec()) ?? [];
  return replies.reduce((sum, [, value]) => sum + Number(value ?? 0), 0);
}

/** The stream's bytes per event it holds (an entry holds a stored chunk's events, read as the viewer reads them). */
async function streamCost(redis: Redis, key: string): Promise<{ perEvent: number; events: number; entries: number }> {
  const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
  const events = entries.reduce((sum, [, fields]) => sum + decodeStreamEntry(fields).length, 0);
  return { perEvent: (await bytesOf(redis, [key])) / events, events, entries: entries.length };
}

async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

/** Each half: its own events, stored as if half a dedup window apart (a new bucket of the index). */
async function storeTwoBuckets(
  redis: ReturnType<typeof benchRedis>,
  keys: ReturnType<typeof redisKeys>,
  config: ReturnType<typeof loadConfig>,
  count: number,
  users: number,
  t0: number,
) {
  const window = config.DEDUP_WINDOW_MS;
  for (const [half, now] of [t0, t0 + window / 2].entries()) {
    for (let i = 0; i < count; i += config.WRITE_CHUNK_EVENTS) {
      const accepted: Accepted[] = [];
      for (let j = i; j < Math.min(i + config.WRITE_CHUNK_EVENTS, count); j++) {
        const result = normalizeEvent({ ...clientEvent(half * count + j, users), timestamp: Date.now() });
        if (!result.ok) throw new Error(result.rejection.message);
        accepted.push({ offset: String(j), record: result.value, bytes: Buffer.from(result.value.json) });
      }
      await storeEvents(
        redis,
        keys,
        accepted,
        defaultStoreOptions(() => now),
      );
    }
  }
}

/**
 * At a low rate each chunk is an event or two: the stream then holds one event per entry, its largest cost per
 * event. Measured on 1,000 events stored one chunk each.
 */
async function storeOneByOne(
  redis: ReturnType<typeof benchRedis>,
  keys: ReturnType<typeof redisKeys>,
  count: number,
  users: number,
) {
  for (let i = 0; i < 1_000; i++) {
    const result = normalizeEvent({ ...clientEvent(2 * count + i, users), timestamp: Date.now() });
    if (!result.ok) throw new Error(result.rejection.message);
    await storeEvents(
      redis,
      keys,
      [{ offset: String(i), record: result.value, bytes: Buffer.from(result.value.json) }],
      defaultStoreOptions(),
    );
  }
}

/** The default `maxmemory` of the Redis the project starts. */
const BUDGET_BYTES = 1024 * MIB;

/**
 * The cost of a day: N bench events (~300 B of JSON each) from M users stored by the consumer's own
 * store script with its default settings, then each key's bytes from MEMORY USAGE. The dedup index is
 * measured on its second bucket, sharded for the rate the first one saw (its steady state), and the
 * retention that fits the default 1 GiB budget is worked out per rate from those figures.
 */
export const retentionScenario: Scenario = async ({ quick }) => {
  const [count, users] = quick ? [20_000, 2_000] : [200_000, 20_000];
  const config = loadConfig({});
  const prefix = `${runId('retention')}:`;
  const keys = redisKeys(prefix);
  const redis = benchRedis();
  const window = config.DEDUP_WINDOW_MS;
  const t0 = Math.floor(Date.now() / window) * window;
  try {
    await storeTwoBuckets(redis, keys, config, count, users, t0);
    const stored = 2 * count;
    const secondBucket = String((t0 + window / 2) / Math.max(1_000, Math.floor(window / 2)));
    const logBytes = await bytesOf(redis, [keys.eventLog]);
    const userKeys = await keysMatching(redis, `${prefix}event:*`);
    const userBytes = await bytesOf(redis, userKeys);
    const full = await streamCost(redis, keys.eventStream);
    const singlesKeys = redisKeys(`${prefix}singles:`);
    await storeOneByOne(redis, singlesKeys, count, users);
    const singles = await streamCost(redis, singlesKeys.eventStream);
    const idBytes = await bytesOf(redis, await keysMatching(redis, `${keys.eventIds}:${secondBucket}:*`));
    const perEvent = {
      log: logBytes / stored,
      ids: idBytes / count,
      user: userBytes / userKeys.length,
      stream: Math.max(full.perEvent, singles.perEvent),
    };
    const rows: Row[] = [
      {
        scenario: 'retention',
        measure: 'event_log bytes per event',
        value: perEvent.log,
        unit: 'B',
        note: `${stored} events, ~300 B of JSON`,
      },
      {
        scenario: 'retention',
        measure: 'event_ids (dedup) bytes per event',
        value: perEvent.ids,
        unit: 'B',
        note: 'a bucket sharded for its rate',
      },
      {
        scenario: 'retention',
        measure: 'event:<user_id> bytes per user',
        value: perEvent.user,
        unit: 'B',
        note: `${userKeys.length} users`,
      },
      {
        scenario: 'retention',
        measure: 'event_stream bytes per event, chunks of events',
        value: full.perEvent,
        unit: 'B',
        note: `${full.events} events kept in ${full.entries} entries`,
      },
      {
        scenario: 'retention',
        measure: 'event_stream bytes per event, one a chunk',
        value: singles.perEvent,
        unit: 'B',
        note: `${singles.events} events in ${singles.entries} entries (a low rate)`,
      },
      {
        scenario: 'retention',
        measure: 'event_log MiB per million events',
        value: (perEvent.log * 1e6) / MIB,
        unit: 'MiB',
      },
      {
        scenario: 'retention',
        measure: 'event_ids MiB per million events',
        value: (perEvent.ids * 1e6) / MIB,
        unit: 'MiB',
      },
    ];
    // Steady state in a budget: the stream at its cap (at its costlier entries), users' keys, the dedup index at its
    // largest
    // (1.5 windows of ids), and what is left divided by a day of event_log.
    const fixed = config.EVENT_STREAM_MAX_LEN * perEvent.stream + 100_000 * perEvent.user;
    for (const rate of RATES) {
      const dedup = ((rate * (1.5 * window)) / 1000) * perEvent.ids;
      const days = (BUDGET_BYTES - fixed - dedup) / (rate * DAY_S * perEvent.log);
      rows.push({
        scenario: 'retention',
        measure: `days of event_log in 1 GiB at ${rate.toLocaleString('en-US')} events/s`,
        value: Math.max(0, days),
        unit: 'days',
        note: `${(Math.max(0, days) * 24).toFixed(
          1,
        )} h; 100,000 users, ${config.DEDUP_WINDOW_MS / 3_600_000} h dedup window \
(${(dedup / MIB).toFixed(0)} MiB at its largest), stream at its cap`,
      });
    }
    return {
      rows,
      parameters: { events: stored, users, dedupWindowMs: window, streamCap: config.EVENT_STREAM_MAX_LEN },
      errors: 0,
    };
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
};
