import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { fromStreamReply, headOf, type StreamEntry } from '../model/stream-entry.js';

export interface StreamReaderOptions {
  /** A connection of its own: XREAD BLOCK holds it while it waits. */
  redis: Redis | Cluster;
  key: string;
  onEntries: (entries: StreamEntry[]) => void;
  /** The id to read after, once known (the stream's newest at start). */
  onStart: (head: string) => void;
  onError: (err: unknown) => void;
  blockMs?: number;
  /**
   * After a read that brought entries, wait this long before the next: while events flow, the live clients
   * get one message per gather instead of one per stored chunk; idle, the first entry is read at once.
   */
  gatherMs?: number;
  /** Stream entries per read: 64 hold at most 1 MiB of JSON (STREAM_ENTRY_BYTES), or 64 events at the 64 KiB limit. */
  count?: number;
}

/**
 * Follows the live stream with blocking XREAD: one reader for the whole viewer, however many
 * clients. After an error (Redis away, a failover) it waits a little and goes on from the last id
 * it read, so nothing stored meanwhile is skipped.
 */
export function createStreamReader({
  redis,
  key,
  onEntries,
  onStart,
  onError,
  blockMs = 5_000,
  gatherMs = 0,
  count = 64,
}: StreamReaderOptions) {
  let running = false;
  let loop: Promise<void> | undefined;

  async function run(): Promise<void> {
    let last: string | undefined;
    while (running) {
      try {
        if (last === undefined) {
          last = headOf(await redis.xrevrange(key, '+', '-', 'COUNT', 1));
          onStart(last);
        }
        const reply = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, last)) as
          | [string, [string, string[]][]][]
          | null;
        const entries = reply?.[0] ? fromStreamReply(reply[0][1]) : [];
        if (entries.length > 0) {
          last = entries.at(-1)!.id;
          onEntries(entries);
        }
        // A full read means a backlog: read on at once.
        if (gatherMs > 0 && entries.length > 0 && entries.length < count) await sleep(gatherMs);
      } catch (err) {
        if (!running) return;
        onError(err);
        await sleep(500);
      }
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Stops reading; the blocking call ends when its connection closes. */
    async stop(): Promise<void> {
      running = false;
      redis.disconnect();
      await loop;
    },
  };
}
