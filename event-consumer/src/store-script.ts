/**
 * Stores one chunk of events atomically, in one round trip. Per event, in order:
 * - an event whose lowercased event_id is in the dedup index (a sorted set scored by the time it was
 *   stored) is a duplicate (client retry, producer retry, replay) and is dropped;
 * - a new event goes into `event_log` (member = its exact JSON, score = timestamp) and the live
 *   stream, and only then joins the index — so a script stopped by an error half-way leaves nothing
 *   marked stored that is not, and the retried chunk stores the rest;
 * then each user's key gets that user's last new event, the log and the index are trimmed, and the
 * chunk is announced. Redis runs a script alone, so two consumers can never both store one event_id.
 *
 * `#!lua` flags the script as writing: when Redis is out of memory it refuses the whole script up
 * front instead of failing at its first write (Redis ≥ 7.0).
 *
 * KEYS: event_log, dedup index, stream, then the user keys.
 * ARGV: now, window ms, log cap, stream cap, channel, then per event: id, timestamp, user key index, json.
 */
export const STORE_EVENTS_LUA = `#!lua
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max_log = tonumber(ARGV[3])
local max_stream = tonumber(ARGV[4])
local channel = ARGV[5]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - window))
local latest = {}
local stored, duplicates, newest = 0, 0, 0
for i = 6, #ARGV, 4 do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) == false then
    local ts = tonumber(ARGV[i + 1])
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 3])
    if max_stream > 0 then
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', max_stream, '*', 'e', ARGV[i + 3])
    end
    redis.call('ZADD', KEYS[2], now, ARGV[i])
    latest[ARGV[i + 2]] = ARGV[i + 3]
    stored = stored + 1
    if ts > newest then newest = ts end
  else
    duplicates = duplicates + 1
  end
end
for index, json in pairs(latest) do
  redis.call('SET', KEYS[tonumber(index)], json)
end
if max_log > 0 and stored > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max_log + 1))
end
if stored > 0 then
  redis.call('PUBLISH', channel, '{"count":' .. stored .. ',"newest_timestamp":' .. string.format('%d', newest) .. '}')
end
return {stored, duplicates}
`;
