/**
 * The newest pages, answered from memory for at most `ttlMs` and forgotten at once when the live
 * stream brings anything new: a new event is hidden for no longer than the reader takes to see it,
 * and never longer than `ttlMs`, counted from when the page was read (0 turns the cache off).
 * Requests that miss together share one read: under load, a miss would otherwise be read and
 * rendered once per waiting connection. Pages older than `ttlMs` are dropped at each miss, so what it
 * holds is only what was read within `ttlMs` (with each page's compressed copies), never one page per
 * `limit` a client ever asked for.
 */
export function createNewestPageCache<V>(
  ttlMs: number,
  now: () => number = Date.now,
  observe?: (hit: boolean) => void,
) {
  const entries = new Map<string, { at: number; pending: Promise<V>; value?: V }>();
  return {
    /** The fresh page (at once when already read), else `read()`'s, shared with whoever asks meanwhile. */
    load(key: string, read: () => Promise<V>): V | Promise<V> {
      const t = now();
      const entry = entries.get(key);
      if (entry && t - entry.at < ttlMs) {
        observe?.(true);
        return entry.value ?? entry.pending;
      }
      observe?.(false);
      const pending = read();
      if (ttlMs <= 0) return pending;
      for (const [k, e] of entries) if (t - e.at >= ttlMs) entries.delete(k);
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
    /** Pages held now (read within the time to live, or being read). */
    get size(): number {
      return entries.size;
    },
  };
}
