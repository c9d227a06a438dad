/**
 * The dedup index: event_ids as 16 bytes each, in time buckets of half the window, each bucket spread
 * over S small hashes (`<event_ids>:<bucket>:<shard>`, field = the id, empty value) that Redis keeps as
 * listpacks, about 21 bytes per id instead of the ~140 of a sorted set of text ids. An id is looked up
 * in the current bucket and the two before it, so it is remembered for at least the window and at
 * most 1.5 windows; older buckets are deleted whole, so the write path never trims the index member by
 * member. The hash `<event_ids>` records each bucket's shard count (`<bucket>`) and how many ids it took
 * (`<bucket>:n`): a new bucket gets enough shards for the previous one's count at ~100 ids a shard, so a
 * steady rate stays compact; a first bucket (or a jump in rate) makes larger hashes, which cost ~70 B
 * per id but are just as correct.
 */
const DEDUP_BUCKETS_LUA = `
local function bucket_ms(window) return math.max(1000, math.floor(window / 2)) end
local function shard_key(meta, bucket, id, shards)
  local low = (string.byte(id, 13) * 16777216 + string.byte(id, 14) * 65536 + string.byte(id, 15) * 256 + string.byte(id, 16)) % shards
  return meta .. ':' .. bucket .. ':' .. low
end
`;

/**
 * Frees what retention allows before a chunk is stored, in the same round trip. Flagged `allow-oom`
 * because it only deletes: a Redis at its maxmemory refuses the store script, and this is what lets
 * retention bring it back below the limit. Each run deletes at most `budget` members of `event_log`
 * (oldest first), so a retention shortened on a large log drains over several chunks instead of
 * blocking Redis in one.
 *
 * KEYS: event_log, dedup index. ARGV: now, dedup window ms, retention ms (0 = keep all), log cap (0 =
 * none), budget. Returns the number of `event_log` members removed.
 */
export const TRIM_LUA = `#!lua flags=allow-oom
${DEDUP_BUCKETS_LUA}
local now, window, retention, max_log, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local removed = 0
if retention > 0 then
  local old = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. (now - retention))
  if old > 0 then
    removed = math.min(old, budget)
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, removed - 1)
  end
end
if max_log > 0 and removed < budget then
  local over = redis.call('ZCARD', KEYS[1]) - max_log
  if over > 0 then
    over = math.min(over, budget - removed)
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
    removed = removed + over
  end
end
local oldest_kept = math.floor(now / bucket_ms(window)) - 2
local fields = redis.call('HKEYS', KEYS[2])
for _, field in ipairs(fields) do
  local bucket = tonumber(field)
  if bucket and bucket < oldest_kept then
    local shards = tonumber(redis.call('HGET', KEYS[2], field))
    for first = 0, shards - 1, 1000 do
      local names = {}
      for shard = first, math.min(first + 999, shards - 1) do names[#names + 1] = KEYS[2] .. ':' .. bucket .. ':' .. shard end
      redis.call('UNLINK', unpack(names))
    end
    redis.call('HDEL', KEYS[2], field, field .. ':n')
  end
end
return removed
`;

/**
 * Stores one chunk of events atomically. Per event, in order:
 * - an event whose event_id is in the dedup index is a duplicate (client retry, producer retry,
 *   replay) and is dropped;
 * - a new event goes into `event_log` (member = its exact JSON, score = timestamp) and the live
 *   stream — unless its timestamp is older than the retention, which the log no longer keeps — and
 *   only then joins the index, so a script stopped by an error half-way leaves nothing marked stored
 *   that is not, and the retried chunk stores the rest;
 * then each user's key gets that user's last new event (with the idle TTL, when one is set), the log
 * is held to its count cap, and the chunk is announced. Redis runs a script alone, so two consumers
 * can never both store one event_id.
 *
 * `#!lua` flags the script as writing: when Redis is out of memory it refuses the whole script up
 * front instead of failing at its first write (Redis ≥ 7.0).
 *
 * KEYS: event_log, dedup index, stream, then the user keys.
 * ARGV: now, window ms, log cap, stream cap, channel, retention ms, user key TTL ms, then per event:
 * id (16 bytes), timestamp, user key index, json.
 * Returns {stored, duplicates, older than the retention (stored in the user's key only)}.
 */
export const STORE_EVENTS_LUA = `#!lua
${DEDUP_BUCKETS_LUA}
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max_log = tonumber(ARGV[3])
local max_stream = tonumber(ARGV[4])
local channel = ARGV[5]
local retention = tonumber(ARGV[6])
local user_ttl = tonumber(ARGV[7])
local meta = KEYS[2]
local current = math.floor(now / bucket_ms(window))
local shards = {}
for bucket = current - 2, current do
  local count = redis.call('HGET', meta, bucket)
  if count then shards[bucket] = tonumber(count) end
end
if not shards[current] then
  local previous = tonumber(redis.call('HGET', meta, (current - 1) .. ':n') or '0')
  local count = 16
  while count * 100 < previous * 1.25 and count < 65536 do count = count * 2 end
  redis.call('HSET', meta, current, count)
  shards[current] = count
end
local function seen(id)
  for bucket = current, current - 2, -1 do
    if shards[bucket] and redis.call('HEXISTS', shard_key(meta, bucket, id, shards[bucket]), id) == 1 then return true end
  end
  return false
end
local cutoff = retention > 0 and now - retention or nil
local latest = {}
local stored, duplicates, expired, newest = 0, 0, 0, 0
for i = 8, #ARGV, 4 do
  local id = ARGV[i]
  if seen(id) then
    duplicates = duplicates + 1
  else
    local ts = tonumber(ARGV[i + 1])
    if cutoff and ts < cutoff then
      expired = expired + 1
    else
      redis.call('ZADD', KEYS[1], ts, ARGV[i + 3])
      if max_stream > 0 then
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', max_stream, '*', 'e', ARGV[i + 3])
      end
      if ts > newest then newest = ts end
      stored = stored + 1
    end
    redis.call('HSET', shard_key(meta, current, id, shards[current]), id, '')
    latest[ARGV[i + 2]] = ARGV[i + 3]
  end
end
if stored + expired > 0 then redis.call('HINCRBY', meta, current .. ':n', stored + expired) end
for index, json in pairs(latest) do
  if user_ttl > 0 then
    redis.call('SET', KEYS[tonumber(index)], json, 'PX', user_ttl)
  else
    redis.call('SET', KEYS[tonumber(index)], json)
  end
end
if max_log > 0 and stored > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max_log + 1))
end
if stored > 0 then
  redis.call('PUBLISH', channel, '{"count":' .. stored .. ',"newest_timestamp":' .. string.format('%d', newest) .. '}')
end
return {stored, duplicates, expired}
`;
