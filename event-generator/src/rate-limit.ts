import { createLru } from '@eventstreamapp/service-kit';

export interface RateDecision {
  allowed: boolean;
  /** Events the client may still send now. */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset), or until this request would fit (Retry-After). */
  resetSeconds: number;
}

/**
 * Fair publishing: a token bucket per client (API key or address) holding up to `burst` events and
 * refilled at `ratePerSecond`; a request takes as many tokens as it carries events, all or none. Per
 * generator instance: with N instances behind a balancer a client gets up to N times the rate.
 * At most `maxClients` buckets are kept (the least recently seen go first, starting full again).
 */
export function createRateLimiter(
  ratePerSecond: number,
  burst: number,
  maxClients = 10_000,
  now: () => number = Date.now,
) {
  const buckets = createLru<{ tokens: number; at: number }>(maxClients);
  return {
    take(client: string, events: number): RateDecision {
      const t = now();
      const bucket = buckets.get(client) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      buckets.set(client, bucket);
      const allowed = events <= bucket.tokens;
      if (allowed) bucket.tokens -= events;
      const missing = allowed ? burst - bucket.tokens : events - bucket.tokens;
      return {
        allowed,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.max(1, Math.ceil(missing / ratePerSecond)),
      };
    },
    /** Buckets held now: at most maxClients. */
    get clients(): number {
      return buckets.size;
    },
  };
}
