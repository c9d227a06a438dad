/**
 * Lua shared by the scripts that keep sets of 16-byte event ids for a time window (the consumer's dedup
 * index, the generator's idempotency claims): time buckets of half the window, each spread over S small
 * hashes (`<meta>:<bucket>:<shard>`, field = the id) that Redis keeps as listpacks, ~21 bytes per id plus
 * the value. An id is looked up in the current bucket and the two before it, so it is remembered for at
 * least the window and at most 1.5 windows; older buckets are deleted whole, never member by member. The
 * hash `<meta>` records each bucket's shard count (`<bucket>`) and how many ids it took (`<bucket>:n`): a
 * new bucket gets enough shards for the previous one's count at ~100 ids a shard, so a steady rate stays
 * compact; a first bucket (or a jump in rate) makes larger hashes, ~70 B per id, just as correct.
 *
 * Defines: bucket_ms(window), shard_key(meta, bucket, id, shards), open_buckets(meta, now, window) →
 * current, shards (creating the current bucket), find(meta, current, shards, id) → the stored value or
 * nil, add(meta, current, shards, id, value), count(meta, current, n), drop_old_buckets(meta, now, window).
 */
export const ID_BUCKETS_LUA = `
local function bucket_ms(window) return math.max(1000, math.floor(window / 2)) end
local function shard_key(meta, bucket, id, shards)
  local low = (string.byte(id, 13) * 16777216 + string.byte(id, 14) * 65536 + string.byte(id, 15) * 256 + string.byte(id, 16)) % shards
  return meta .. ':' .. bucket .. ':' .. low
end
local function open_buckets(meta, now, window)
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
  return current, shards
end
local function find(meta, current, shards, id)
  for bucket = current, current - 2, -1 do
    if shards[bucket] then
      local value = redis.call('HGET', shard_key(meta, bucket, id, shards[bucket]), id)
      if value then return value end
    end
  end
  return nil
end
local function add(meta, current, shards, id, value)
  redis.call('HSET', shard_key(meta, current, id, shards[current]), id, value)
end
local function count(meta, current, n)
  if n > 0 then redis.call('HINCRBY', meta, current .. ':n', n) end
end
local function drop_old_buckets(meta, now, window)
  local oldest_kept = math.floor(now / bucket_ms(window)) - 2
  for _, field in ipairs(redis.call('HKEYS', meta)) do
    local bucket = tonumber(field)
    if bucket and bucket < oldest_kept then
      local shards = tonumber(redis.call('HGET', meta, field))
      for first = 0, shards - 1, 1000 do
        local names = {}
        for shard = first, math.min(first + 999, shards - 1) do names[#names + 1] = meta .. ':' .. bucket .. ':' .. shard end
        redis.call('UNLINK', unpack(names))
      end
      redis.call('HDEL', meta, field, field .. ':n')
    end
  end
end
`;

/** An event_id (a UUID in any case) as the 16 bytes the id buckets hold. */
export function eventIdBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}
