/**
 * Lets a repeated log line through at most once per interval and key, counting the ones held back,
 * so an outage is visible in the logs without one line per retry.
 */
export function createThrottle(intervalMs: number, now: () => number = Date.now) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string): { pass: boolean; suppressed: number } => {
    const t = now();
    const entry = last.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed++;
      return { pass: false, suppressed: entry.suppressed };
    }
    const suppressed = entry?.suppressed ?? 0;
    last.set(key, { at: t, suppressed: 0 });
    return { pass: true, suppressed };
  };
}
