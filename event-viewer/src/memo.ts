/**
 * A bounded map that forgets what was used least recently: at most `capacity` entries, or, with
 * `weigh`, at most `capacity` of their summed weights (bytes, say).
 */
export function createLru<V>(capacity: number, weigh: (value: V) => number = () => 1) {
  const entries = new Map<string, V>();
  let weight = 0;
  return {
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key: string, value: V): void {
      const previous = entries.get(key);
      if (previous !== undefined) {
        weight -= weigh(previous);
        entries.delete(key);
      }
      const added = weigh(value);
      if (added > capacity) return;
      entries.set(key, value);
      weight += added;
      while (weight > capacity) {
        const [oldest, evicted] = entries.entries().next().value!;
        entries.delete(oldest);
        weight -= weigh(evicted);
      }
    },
    get size(): number {
      return entries.size;
    },
    /** The summed weight of what is kept. */
    get weight(): number {
      return weight;
    },
  };
}

/**
 * The newest pages, answered from memory for at most `ttlMs` and forgotten at once when the live
 * stream brings anything new: a new event is hidden for no longer than the reader takes to see it,
 * and never longer than `ttlMs`, counted from when the page was read (0 turns the cache off).
 * Requests that miss together share one read: under load, a miss would otherwise be read and
 * rendered once per waiting connection.
 */
export function createNewestPageCache<V>(ttlMs: number, now: () => number = Date.now) {
  const entries = new Map<string, { at: number; pending: Promise<V>; value?: V }>();
  return {
    /** The fresh page (at once when already read), else `read()`'s, shared with whoever asks meanwhile. */
    load(key: string, read: () => Promise<V>): V | Promise<V> {
      const t = now();
      const entry = entries.get(key);
      if (entry && t - entry.at < ttlMs) return entry.value ?? entry.pending;
      const pending = read();
      if (ttlMs <= 0) return pending;
      const fresh: { at: number; pending: Promise<V>; value?: V } = { at: t, pending };
      entries.set(key, fresh);
      pending.then(
        (value) => {
          fresh.value = value;
        },
        () => {
          if (entries.get(key) === fresh) entries.delete(key);
        },
      );
      return pending;
    },
    invalidate(): void {
      entries.clear();
    },
  };
}
