/** A bounded map that forgets what was used least recently. */
export function createLru<V>(capacity: number) {
  const entries = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key: string, value: V): void {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) entries.delete(entries.keys().next().value!);
    },
    get size(): number {
      return entries.size;
    },
  };
}

/**
 * The newest pages, answered from memory for at most `ttlMs` and forgotten at once when the live
 * stream brings anything new: a new event is hidden for no longer than the reader takes to see it,
 * and never longer than `ttlMs` (0 turns the cache off).
 */
export function createNewestPageCache<V>(ttlMs: number, now: () => number = Date.now) {
  const entries = new Map<string, { value: V; at: number }>();
  return {
    get(key: string): V | undefined {
      const entry = entries.get(key);
      if (!entry || now() - entry.at >= ttlMs) return undefined;
      return entry.value;
    },
    set(key: string, value: V, readAt: number): void {
      if (ttlMs > 0) entries.set(key, { value, at: readAt });
    },
    invalidate(): void {
      entries.clear();
    },
  };
}
