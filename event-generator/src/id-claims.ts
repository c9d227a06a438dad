import { createHash } from 'node:crypto';
import { eventIdBytes, ID_BUCKETS_LUA } from '@eventstreamapp/event-schema';
import { redisFailure } from '@eventstreamapp/service-kit';
import type { Cluster, Redis } from 'ioredis';

/**
 * Claims every event_id of a request for its body, all or nothing, in one script: an id not claimed
 * yet is claimed (the id buckets of id-buckets-lua.ts, the body's fingerprint as its value, for the
 * window); an id claimed with the same fingerprint is a replay; with another, a conflict, and then
 * nothing is claimed. Redis runs a script alone, so two generators can never both claim one id for two
 * bodies.
 *
 * KEYS: the claims' bucket index. ARGV: now, window ms, then per id: its 16 bytes, its fingerprint.
 * Returns {0, replayed count} when claimed, or {1, index of the first conflict}.
 */
const CLAIM_LUA = `#!lua
${ID_BUCKETS_LUA}
local now, window, meta = tonumber(ARGV[1]), tonumber(ARGV[2]), KEYS[1]
drop_old_buckets(meta, now, window)
local current, shards = open_buckets(meta, now, window)
local replayed, new, pending = 0, {}, {}
for i = 3, #ARGV, 2 do
  -- An id twice in one request is held by its first occurrence.
  local held = pending[ARGV[i]] or find(meta, current, shards, ARGV[i])
  if held then
    if held ~= ARGV[i + 1] then return {1, (i - 3) / 2} end
    replayed = replayed + 1
  else
    pending[ARGV[i]] = ARGV[i + 1]
    new[#new + 1] = i
  end
end
for _, i in ipairs(new) do add(meta, current, shards, ARGV[i], ARGV[i + 1]) end
count(meta, current, #new)
return {0, replayed}
`;

export type ClaimOutcome = { kind: 'claimed'; replayed: number } | { kind: 'conflict'; index: number };

/** JSON with every object's keys in code-point order, at every depth: one text for one value, however sent. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const RESERVED = ['event_id', 'user_id', 'timestamp'] as const;

/**
 * The fingerprint of what a client sent for one event: 16 bytes of SHA-256 over it as the same event,
 * not the same bytes — keys in any order, and the reserved fields it gave as normalized (the id in
 * lower case, an integer user_id as its string, an ISO timestamp as epoch ms). Fields it left to the
 * server are left out, so a retry that again leaves them out is the same body.
 */
export function fingerprintOf(sent: unknown, normalized: Record<(typeof RESERVED)[number], unknown>): Buffer {
  const event = { ...(sent as Record<string, unknown>) };
  for (const field of RESERVED) if (Object.hasOwn(event, field)) event[field] = normalized[field];
  return createHash('sha256').update(canonicalJson(event)).digest().subarray(0, 16);
}

/**
 * Event ids that clients choose (their own `event_id`, or derived from an Idempotency-Key) are claimed
 * in Redis for the dedup window, so an id reused with another body is refused before Kafka instead of
 * answered 202 and then dropped by the consumer as a duplicate. Server-made ids cannot collide and
 * cost nothing here. `meta` names the claims' index: `event_claims`, or in the cluster topology one slot's
 * (claimsKeyInCluster).
 */
export function createIdClaims(redis: Redis | Cluster, meta: string, windowMs: number, now: () => number = Date.now) {
  redis.defineCommand('claimEventIds', { numberOfKeys: 1, lua: CLAIM_LUA });
  const claim = redis as unknown as {
    claimEventIds(meta: string, ...args: (string | number | Buffer)[]): Promise<[number, number]>;
  };
  return {
    async claim(claims: { id: string; fingerprint: Buffer }[]): Promise<ClaimOutcome> {
      if (claims.length === 0) return { kind: 'claimed', replayed: 0 };
      try {
        const [conflict, value] = await claim.claimEventIds(
          meta,
          now(),
          windowMs,
          ...claims.flatMap((c) => [eventIdBytes(c.id), c.fingerprint]),
        );
        return conflict === 1 ? { kind: 'conflict', index: value } : { kind: 'claimed', replayed: value };
      } catch (err) {
        throw redisFailure(err);
      }
    },
  };
}

export type IdClaims = ReturnType<typeof createIdClaims>;
