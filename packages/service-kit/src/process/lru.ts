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
