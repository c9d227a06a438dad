import type { ReadinessCheck } from './ops.js';
import { describeError } from './service-error.js';

export interface Probe {
  /** The last probe's outcome: what /readyz reports, read without waiting on anything. */
  readonly check: ReadinessCheck;
  stop(): void;
}

/**
 * Runs `probe` every `intervalMs` (never two at once) and keeps its last outcome, so /readyz can say
 * whether a dependency answers now — a connection can look ready while the server behind it is frozen
 * — and still answer at once, never blocked on that dependency.
 */
export function startProbe(name: string, probe: () => Promise<unknown>, intervalMs: number): Probe {
  let check: ReadinessCheck = { name, ok: false, detail: 'not probed yet' };
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await probe();
      check = { name, ok: true };
    } catch (err) {
      check = { name, ok: false, detail: describeError(err) };
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return {
    get check() {
      return check;
    },
    stop: () => clearInterval(timer),
  };
}
