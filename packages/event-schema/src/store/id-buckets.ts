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
 * nil, add(meta, current, shards, id, value), count(meta, current, n), drop_old_buckets(meta, now, window),
 * and for a whole chunk at once: find_all(meta, current, shards, ids) → the ids found, each to its stored
 * value, one HMGET per shard and bucket instead of one HGET per id and bucket; add_all(meta, current,
 * shards, ids, value), one HSET per shard, \`value\` one for all or a table of each id's. Neither passes
 * more than CALL_ARGS arguments to one command (Lua's stack limit).
 */
export const ID_BUCKETS_LUA = `
local function bucket_ms(window) return math.max(1000, math.floor(window / 2)) end
local function shard_of(id, shards)
  local a, b, c, d = string.byte(id, 13, 16)
  return (a * 16777216 + b * 65536 + c * 256 + d) % shards
end
local function shard_key(meta, bucket, id, shards)
  return meta .. ':' .. bucket .. ':' .. shard_of(id, shards)
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
local CALL_ARGS = 1000
-- The ids by the shard of \`bucket\` holding them; with \`value\`, each id followed by it (HSET's pairs) —
-- or, when \`value\` is a table, by the id's own value in it.
local function by_shard(meta, bucket, shard_count, ids, value)
  local groups = {}
  local per_id = type(value) == 'table'
  for k, id in ipairs(ids) do
    local shard = shard_of(id, shard_count)
    local group = groups[shard]
    if not group then group = {}; groups[shard] = group end
    group[#group + 1] = id
    if per_id then group[#group + 1] = value[k] elseif value then group[#group + 1] = value end
  end
  -- Each shard's key made once, not once per id.
  local keyed, prefix = {}, meta .. ':' .. bucket .. ':'
  for shard, group in pairs(groups) do keyed[prefix .. shard] = group end
  return keyed
end
local function find_all(meta, current, shards, ids)
  local found, pending = {}, ids
  for bucket = current, current - 2, -1 do
    if shards[bucket] and #pending > 0 then
      local groups = by_shard(meta, bucket, shards[bucket], pending)
      local still = {}
      for key, group in pairs(groups) do
        for first = 1, #group, CALL_ARGS do
          local last = math.min(first + CALL_ARGS - 1, #group)
          local values = redis.call('HMGET', key, unpack(group, first, last))
          for j = first, last do
            local value = values[j - first + 1]
            if value then found[group[j]] = value else still[#still + 1] = group[j] end
          end
        end
      end
      pending = still
    end
  end
  return found
end
local function add_all(meta, current, shards, ids, value)
  for key, group in pairs(by_shard(meta, current, shards[current], ids, value)) do
    for first = 1, #group, CALL_ARGS do
      redis.call('HSET', key, unpack(group, first, math.min(first + CALL_ARGS - 1, #group)))
    end
  end
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
        for shard = first, math.min(first + 999, shards - 1) do names[#names + 1] = meta .. ':' .. bucket .. ':' .. \
shard end
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

/** How many ids each bucket of an index took, by bucket, from its `<meta>` hash (HGETALL). */
export function idsTakenByBucket(meta: Record<string, string>): Map<string, number> {
  const taken = new Map<string, number>();
  for (const [field, value] of Object.entries(meta)) {
    if (field.endsWith(':n')) taken.set(field.slice(0, -2), Number(value));
  }
  return taken;
}

/**
 * Ids taken between two readings of idsTakenByBucket: each bucket's growth, a bucket new since the
 * first reading counted whole. A bucket dropped meanwhile counts nothing — the sum of the counts
 * falls then, this does not.
 */
export function idsTakenBetween(before: Map<string, number>, after: Map<string, number>): number {
  let taken = 0;
  for (const [bucket, n] of after) taken += Math.max(0, n - (before.get(bucket) ?? 0));
  return taken;
}
