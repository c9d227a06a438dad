import { ID_BUCKETS_LUA, STREAM_ENTRY_BYTES, STREAM_ENTRY_EVENTS, STREAM_FIELDS } from '@eventstreamapp/event-schema';

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
${ID_BUCKETS_LUA}
local now, window, retention, max_log, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), \
tonumber(ARGV[4]), tonumber(ARGV[5])
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
-- The dedup index (id-buckets-lua.ts) forgets whole buckets.
drop_old_buckets(KEYS[2], now, window)
return removed
`;

/** The store script's arguments as locals: ARGV 1–7, the dedup index's current bucket, the retention cutoff. */
const STORE_ARGUMENTS_LUA = `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max_log = tonumber(ARGV[3])
local max_stream = tonumber(ARGV[4])
local channel = ARGV[5]
local retention = tonumber(ARGV[6])
local user_ttl = tonumber(ARGV[7])
local meta = KEYS[2]
local current, shards = open_buckets(meta, now, window)
local cutoff = retention > 0 and now - retention or nil
`;

/**
 * The store script's ending, once `latest` (user key index → JSON), `stored`, `duplicates`, `expired`
 * and `newest` are known: each user's last event, the log's count cap, the announcement, the reply.
 */
const STORE_ENDING_LUA = `for index, json in pairs(latest) do
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

/**
 * Lua: append_to_stream(key, max_stream, kept) adds the events at the ARGV positions \`kept\` (the store
 * scripts' layout: timestamp at +1, JSON at +3, journey at +4) to the live stream \`key\` in order, as few
 * entries as STREAM_ENTRY_EVENTS and STREAM_ENTRY_BYTES allow, each trimming the stream to about
 * \`max_stream\` events of entries its size; nothing when \`max_stream\` is 0.
 */
const APPEND_TO_STREAM_LUA = `local STREAM_ENTRY_EVENTS = ${STREAM_ENTRY_EVENTS}
local STREAM_ENTRY_BYTES = ${STREAM_ENTRY_BYTES}
local function append_to_stream(key, max_stream, kept)
  if max_stream == 0 then return end
  local fields, events, bytes = {}, 0, 0
  -- A cap in entries that holds at least max_stream events of entries like this one.
  local function add_entry()
    redis.call('XADD', key, 'MAXLEN', '~', math.ceil(max_stream / events), '*', unpack(fields))
    fields, events, bytes = {}, 0, 0
  end
  for _, i in ipairs(kept) do
    local json = ARGV[i + 3]
    if events == STREAM_ENTRY_EVENTS or (events > 0 and bytes + #json > STREAM_ENTRY_BYTES) then add_entry() end
    fields[#fields + 1] = '${STREAM_FIELDS.event}'
    fields[#fields + 1] = json
    fields[#fields + 1] = '${STREAM_FIELDS.timestamp}'
    fields[#fields + 1] = ARGV[i + 1]
    if ARGV[i + 4] ~= '' then
      fields[#fields + 1] = '${STREAM_FIELDS.journey}'
      fields[#fields + 1] = ARGV[i + 4]
    end
    events = events + 1
    bytes = bytes + #json
  end
  if events > 0 then add_entry() end
end
`;

/**
 * The store scripts' common body, once the ARGV locals are set (STORE_ARGUMENTS_LUA): the chunk's ids
 * looked up in the dedup index together (one HMGET per index shard), duplicates dropped — an id in the
 * index or earlier in the chunk — and the new events added to \`event_log\` (KEYS[1], one variadic ZADD)
 * and to the live stream (KEYS[3]) in order, as few entries as STREAM_ENTRY_EVENTS and STREAM_ENTRY_BYTES
 * allow (each trimming the stream to about \`max_stream\` events of entries its size), unless a timestamp
 * is older than the retention, which the log no longer keeps. Leaves \`new_ids\` and \`new_journeys\`
 * for the index, \`latest\` (user key index → JSON of that user's last new event), the positions in the
 * chunk (from 1) of the new events (\`fresh\`) and of the duplicates whose index entry is their own
 * journey (\`again\`), and the counts.
 */
const STORE_BODY_LUA = `${APPEND_TO_STREAM_LUA}local ids = {}
for i = 8, #ARGV, 5 do ids[#ids + 1] = ARGV[i] end
local known = find_all(meta, current, shards, ids)
local new_ids, new_journeys, log_args, kept, latest, fresh, again = {}, {}, {}, {}, {}, {}, {}
local stored, duplicates, expired, newest = 0, 0, 0, 0
for i = 8, #ARGV, 5 do
  local id = ARGV[i]
  local seen = known[id]
  if seen then
    duplicates = duplicates + 1
    -- Stored before by this same record (its journey in the index): a retry of a write cut short.
    if seen == ARGV[i + 4] and seen ~= '' then again[#again + 1] = (i - 3) / 5 end
  else
    known[id] = true
    new_ids[#new_ids + 1] = id
    new_journeys[#new_journeys + 1] = ARGV[i + 4]
    fresh[#fresh + 1] = (i - 3) / 5
    local ts = tonumber(ARGV[i + 1])
    if cutoff and ts < cutoff then
      expired = expired + 1
    else
      log_args[#log_args + 1] = ARGV[i + 1]
      log_args[#log_args + 1] = ARGV[i + 3]
      kept[#kept + 1] = i
      if ts > newest then newest = ts end
      stored = stored + 1
    end
    latest[ARGV[i + 2]] = ARGV[i + 3]
  end
end
for first = 1, #log_args, CALL_ARGS do
  redis.call('ZADD', KEYS[1], unpack(log_args, first, math.min(first + CALL_ARGS - 1, #log_args)))
end
append_to_stream(KEYS[3], max_stream, kept)
`;

/**
 * Stores one chunk of events atomically:
 * - an event whose event_id is in the dedup index, or earlier in the chunk, is a duplicate (client
 *   retry, producer retry, replay) and is dropped — the chunk's ids are looked up together, one HMGET
 *   per index shard;
 * - the new events go into `event_log` (member = its exact JSON, score = timestamp) in one variadic
 *   ZADD, and into the live stream in order, as few entries as STREAM_ENTRY_EVENTS and
 *   STREAM_ENTRY_BYTES allow (each trimming the stream to about `max_stream` events of entries its
 *   size) — unless a timestamp is older than the retention, which the log no longer keeps — and only
 *   then join the index (one HSET per shard), so a script stopped by an error half-way leaves
 *   nothing marked stored that is not, and the retried chunk stores the rest;
 * then each user's key gets that user's last new event (one SET per user, with the idle TTL when one
 * is set), the log is held to its count cap, and the chunk is announced. Redis runs a script alone,
 * so two consumers can never both store one event_id.
 *
 * `#!lua` flags the script as writing: when Redis is out of memory it refuses the whole script up
 * front instead of failing at its first write (Redis ≥ 7.0).
 *
 * KEYS: event_log, dedup index, stream, then the user keys.
 * ARGV: now, window ms, log cap, stream cap, channel, retention ms, user key TTL ms, then per event:
 * id (16 bytes), timestamp, user key index, json, journey (`partition:offset:broker timestamp`, or empty).
 * Returns {stored, duplicates, older than the retention (stored in the user's key only)}.
 */
export const STORE_EVENTS_LUA = `#!lua
${ID_BUCKETS_LUA}
${STORE_ARGUMENTS_LUA}${STORE_BODY_LUA}add_all(meta, current, shards, new_ids, '')
count(meta, current, stored + expired)
${STORE_ENDING_LUA}`;

/**
 * The cluster topology's store script, run once per bucket of a chunk (cluster-buckets.ts; the bucket's
 * keys share a hash tag, so the script runs on the master of that slot): dedup and log as
 * STORE_EVENTS_LUA, the log held to the bucket's share of the count cap. The index keeps each new id's
 * journey: a chunk retried after an attempt cut short between buckets, or before its user keys, finds
 * what that attempt stored and names it (\`again\`), so the caller still writes those events' user keys
 * and streams them. User keys and the stream live in other slots and are written by the caller after
 * every bucket (store-events-cluster.ts); nothing is announced here.
 *
 * KEYS: the bucket's event_log, dedup index. ARGV as STORE_EVENTS_LUA's, with a stream cap of 0 (the channel,
 * the user key TTL and the user key indexes unused). Returns {stored, duplicates, older than the retention,
 * newest stored timestamp, n, then the positions of the n new events, then those of the events stored again}.
 */
export const STORE_BUCKET_LUA = `#!lua
${ID_BUCKETS_LUA}
${STORE_ARGUMENTS_LUA}${STORE_BODY_LUA}add_all(meta, current, shards, new_ids, new_journeys)
count(meta, current, stored + expired)
if max_log > 0 and stored > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max_log + 1))
end
local reply = {stored, duplicates, expired, newest, #fresh}
for _, position in ipairs(fresh) do reply[#reply + 1] = position end
for _, position in ipairs(again) do reply[#reply + 1] = position end
return reply
`;

/**
 * The cluster topology's live stream: one stream in one slot (capped, so one master holds it whole), written
 * after a chunk's buckets and user keys. Beside it, in the same slot, each partition's highest offset
 * streamed: a chunk read again after a cut streams only the events it had not, so each event is in the
 * stream once, in the order it was read.
 *
 * KEYS: the stream, its offsets hash. ARGV: the stream cap, then per event as the store scripts (id,
 * timestamp, unused, json, journey \`partition:offset:broker timestamp\`; one without a journey is always
 * streamed). Returns how many events it streamed.
 */
export const STREAM_APPEND_LUA = `#!lua
${APPEND_TO_STREAM_LUA}local max_stream = tonumber(ARGV[1])
local highest, raised, kept = {}, {}, {}
for i = 2, #ARGV, 5 do
  local partition, offset = string.match(ARGV[i + 4], '^(%d+):(%d+):')
  if partition then
    if highest[partition] == nil then highest[partition] = tonumber(redis.call('HGET', KEYS[2], partition) or '-1') end
    offset = tonumber(offset)
    if offset > highest[partition] then
      kept[#kept + 1] = i
      highest[partition] = offset
      raised[partition] = true
    end
  else
    kept[#kept + 1] = i
  end
end
append_to_stream(KEYS[1], max_stream, kept)
for partition in pairs(raised) do redis.call('HSET', KEYS[2], partition, string.format('%d', highest[partition])) end
return #kept
`;
