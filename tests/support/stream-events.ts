import type { Redis } from 'ioredis';

/** One event of the live stream as the consumer wrote it: its entry's id and its `e`, `t` and `k` fields. */
export interface StreamEvent {
  id: string;
  e: string;
  t?: string;
  k?: string;
}

/**
 * The whole stream's events, oldest first, read independently of the viewer's parser: an entry holds
 * one stored chunk's events in order, each beginning with its `e` field. Also each entry's event count.
 */
export async function streamEvents(redis: Redis, key: string): Promise<{ events: StreamEvent[]; perEntry: number[] }> {
  const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
  const events: StreamEvent[] = [];
  const perEntry: number[] = [];
  for (const [id, fields] of entries) {
    const before = events.length;
    for (let i = 0; i < fields.length; i += 2) {
      const [name, value] = [fields[i]!, fields[i + 1]!];
      if (name === 'e') events.push({ id, e: value });
      else if (name === 't' || name === 'k') events.at(-1)![name] = value;
      else throw new Error(`unexpected stream field ${name} in entry ${id}`);
    }
    perEntry.push(events.length - before);
  }
  return { events, perEntry };
}
