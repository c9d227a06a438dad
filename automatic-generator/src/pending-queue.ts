/**
 * Events made but not yet acknowledged, bounded: beyond `capacity` the oldest are dropped, since
 * while Kafka is away the newest events are the ones worth keeping. A batch taken out to be sent
 * goes back to the front if the send fails, ahead of what was made meanwhile.
 */
export class PendingQueue<T> {
  private items: T[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Appends, and returns how many of the oldest items were dropped to stay within capacity. */
  add(items: readonly T[]): number {
    this.items.push(...items);
    return this.trim();
  }

  /** Removes and returns the oldest `max` items (all by default), for one send. */
  take(max = Number.POSITIVE_INFINITY): T[] {
    if (max >= this.items.length) {
      const taken = this.items;
      this.items = [];
      return taken;
    }
    return this.items.splice(0, max);
  }

  /** Puts a batch whose send failed back in front of anything queued since; returns how many were dropped. */
  putBack(batch: readonly T[]): number {
    this.items = [...batch, ...this.items];
    return this.trim();
  }

  private trim(): number {
    const excess = this.items.length - this.capacity;
    if (excess <= 0) return 0;
    this.items = this.items.slice(excess);
    return excess;
  }
}
