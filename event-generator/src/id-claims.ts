import { createHash } from 'node:crypto';
import { redisFailure } from '@eventstreamapp/service-kit';
import type { Redis } from 'ioredis';

/**
 * Claims every event_id of a request for its body, all or nothing, in one script: an id not
 * claimed yet is claimed (its key holds the body's fingerprint for the window); an id claimed with the
 * same fingerprint is a replay; with another, a conflict, and then nothing is claimed. Redis runs a
 * script alone, so two generators can never both claim one id for two bodies.
 *
 * KEYS: one claim key per id. ARGV: window ms, then one fingerprint per key.
 * Returns {0, replayed count} when claimed, or {1, index of the first conflict}.
 */
const CLAIM_LUA = `#!lua
local replayed = 0
for i, key in ipairs(KEYS) do
  local held = redis.call('GET', key)
  if held then
    if held ~= ARGV[i + 1] then return {1, i - 1} end
    replayed = replayed + 1
  end
end
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1], 'NX') end
return {0, replayed}
`;

export type ClaimOutcome = { kind: 'claimed'; replayed: number } | { kind: 'conflict'; index: number };

/** The fingerprint of what a client sent for one event: 16 bytes of SHA-256 over its JSON. */
export function fingerprintOf(item: unknown): Buffer {
  return createHash('sha256').update(JSON.stringify(item)).digest().subarray(0, 16);
}

/**
 * Event ids that clients choose (their own `event_id`, or derived from an Idempotency-Key) are claimed
 * in Redis for the dedup window, so an id reused with another body is refused before Kafka instead of
 * answered 202 and then dropped by the consumer as a duplicate. Server-made ids cannot collide and
 * cost nothing here.
 */
export function createIdClaims(redis: Redis, keyPrefix: string, windowMs: number) {
  redis.defineCommand('claimEventIds', { lua: CLAIM_LUA });
  const claim = redis as unknown as { claimEventIds(n: number, ...args: (string | number | Buffer)[]): Promise<[number, number]> };
  return {
    async claim(claims: { id: string; fingerprint: Buffer }[]): Promise<ClaimOutcome> {
      if (claims.length === 0) return { kind: 'claimed', replayed: 0 };
      const keys = claims.map((c) => `${keyPrefix}event_claims:${c.id.toLowerCase()}`);
      try {
        const [conflict, value] = await claim.claimEventIds(keys.length, ...keys, windowMs, ...claims.map((c) => c.fingerprint));
        return conflict === 1 ? { kind: 'conflict', index: value } : { kind: 'claimed', replayed: value };
      } catch (err) {
        throw redisFailure(err);
      }
    },
  };
}

export type IdClaims = ReturnType<typeof createIdClaims>;
