import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  signal: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (err: unknown, retryInMs: number, attempt: number) => void;
}

/** The wait before attempt `attempt + 1`: doubling from the first delay, capped. */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(initialDelayMs * 2 ** Math.max(attempt - 1, 0), maxDelayMs);
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
      const delay = backoffDelay(attempt, initialDelayMs, maxDelayMs);
      onRetry?.(err, delay, attempt);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
  return false;
}
