import type { EventRecord, RedisKeys } from '@eventstreamapp/event-schema';
import { eventIdBytes, ID_BUCKETS_LUA } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';
import { STORE_ARGUMENTS_LUA, STORE_ENDING_LUA, TRIM_LUA } from '../../event-consumer/src/store-script.js';
import { defaultStoreOptions } from './redis-helpers.js';

/**
 * The store script as it was before the third performance round (bench/README, tuning log): one
 * HGET per id and bucket, one ZADD, XADD and HSET per event. Kept only to be measured beside today's
 * in the same run (scenario ingest); the consumer never runs it.
 */
const PREVIOUS_STORE_LUA = `#!lua
${ID_BUCKETS_LUA}
${STORE_ARGUMENTS_LUA}local latest = {}
local stored, duplicates, expired, newest = 0, 0, 0, 0
for i = 8, #ARGV, 4 do
  local id = ARGV[i]
  if find(meta, current, shards, id) then
    duplicates = duplicates + 1
  else
    local ts = tonumber(ARGV[i + 1])
    if cutoff and ts < cutoff then
      expired = expired + 1
    else
      redis.call('ZADD', KEYS[1], ts, ARGV[i + 3])
      if max_stream > 0 then
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', max_stream, '*', 'e', ARGV[i + 3], 't', ARGV[i + 1])
      end
      if ts > newest then newest = ts end
      stored = stored + 1
    end
    add(meta, current, shards, id, '')
    latest[ARGV[i + 2]] = ARGV[i + 3]
  end
end
count(meta, current, stored + expired)
${STORE_ENDING_LUA}`;

/** Chunks stored by the previous script, with the trim script before each as the consumer runs it. */
export async function writeWithPreviousScript(redis: Redis, keys: RedisKeys, records: EventRecord[], chunk = 2_000): Promise<void> {
  const options = defaultStoreOptions();
  for (let i = 0; i < records.length; i += chunk) {
    const now = Date.now();
    const userKeys: string[] = [];
    const userIndex = new Map<string, number>();
    const args: (string | Buffer)[] = [
      String(now),
      String(options.dedupWindowMs),
      String(options.maxLogLength),
      String(options.maxStreamLength),
      keys.storedChannel,
      String(options.retentionMs),
      String(options.userKeyTtlMs),
    ];
    for (const { event, json } of records.slice(i, i + chunk)) {
      let index = userIndex.get(event.user_id);
      if (index === undefined) {
        index = userKeys.push(keys.eventKey(event.user_id)) + 3;
        userIndex.set(event.user_id, index);
      }
      args.push(eventIdBytes(event.event_id), String(event.timestamp), String(index), Buffer.from(json));
    }
    const replies = await redis
      .pipeline()
      .eval(TRIM_LUA, 2, [
        keys.eventLog,
        keys.eventIds,
        String(now),
        String(options.dedupWindowMs),
        String(options.retentionMs),
        String(options.maxLogLength),
        '4000',
      ])
      .eval(PREVIOUS_STORE_LUA, 3 + userKeys.length, [keys.eventLog, keys.eventIds, keys.eventStream, ...userKeys, ...args])
      .exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
  }
}
