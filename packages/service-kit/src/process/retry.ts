import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  signal: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (err: unknown, retryInMs: number, attempt: number) => void;
}

/** The one backoff policy of the project: every retry loop (services, launcher, Redis reconnects) uses it. */
export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
  /**
   * Up to this fraction of each wait is taken off at random (default 0.2), so clients that failed
   * together (every consumer when Redis restarts) do not all come back at the same instant.
   */
  jitter?: number;
}

/** The wait after failed attempt `attempt` (from 1): doubling from the first delay, capped, jittered below the cap. */
export function backoffDelay(
  attempt: number,
  { initialDelayMs, maxDelayMs, jitter = 0.2 }: Backoff,
  random: () => number = Math.random,
): number {
  const base = Math.min(initialDelayMs * 2 ** Math.max(attempt - 1, 0), maxDelayMs);
  return Math.round(base * (1 - jitter * (1 - random())));
}

/**
 * Runs `action` until it succeeds, waiting longer after each failure, or until `signal` aborts —
 * which also cuts a wait short, so a dead dependency never holds up a shutdown. Resolves true when
 * the action succeeded, false when stopped first.
 */
export async function retryUntilStopped(action: () => Promise<void>, options: RetryOptions): Promise<boolean> {
  const { signal, initialDelayMs = 500, maxDelayMs = 10_000, onRetry } = options;
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await action();
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      const delay = backoffDelay(attempt, { initialDelayMs, maxDelayMs });
      onRetry?.(err, delay, attempt);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
  return false;
}
