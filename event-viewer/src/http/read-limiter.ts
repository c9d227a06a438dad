/**
 * At most `maxInFlight` page reads at once, each at most MAX_PAGE_BYTES of Redis reply, so the
 * bytes of replies the viewer holds are bounded by their product; up to `maxWaiting` more wait their
 * turn, and beyond that a read is refused at once (`'busy'`) rather than queued without bound.
 */
export function createReadLimiter(maxInFlight: number, maxWaiting: number) {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  return {
    /** Runs `read` when a slot is free; resolves 'busy' without running it when too many wait. */
    async run<T>(read: () => Promise<T>): Promise<T | 'busy'> {
      if (inFlight >= maxInFlight) {
        if (waiting.length >= maxWaiting) return 'busy';
        // The slot is handed over by release(): inFlight stays counted.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        inFlight++;
      }
      try {
        return await read();
      } finally {
        release();
      }
    },
    get inFlight(): number {
      return inFlight;
    },
    get waiting(): number {
      return waiting.length;
    },
  };
}
