import type { Logger } from '@eventstreamapp/service-kit';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { EventStore } from './event-store.js';

/** Partitions are stored independently, so an event may land a little after a newer one. */
const LATE_WINDOW_MS = 10_000;
const MAX_EVENTS_PER_PUSH = 1_000;
const KEEPALIVE_MS = 15_000;

export interface LiveFeedOptions {
  subscriber: Redis;
  channel: string;
  store: EventStore;
  maxClients: number;
  logger: Logger;
}

/**
 * Server-sent events for the HTML page. The consumer announces each committed batch on a
 * Redis channel; on a notice the feed reads what is new once, for every client at once.
 */
export function createLiveFeed({ subscriber, channel, store, maxClients, logger }: LiveFeedOptions) {
  const clients = new Set<Response>();
  const sent = new Map<string, number>();
  let newestSeen = Date.now() - LATE_WINDOW_MS;
  let reading: Promise<void> | undefined;
  let readAgain = false;
  let keepalive: NodeJS.Timeout | undefined;

  function broadcast(text: string): void {
    for (const res of clients) res.write(text);
  }

  async function readNew(): Promise<void> {
    const since = newestSeen - LATE_WINDOW_MS;
    const events = await store.since(since, MAX_EVENTS_PER_PUSH);
    const fresh = events.filter((e) => !sent.has(e.json));
    for (const e of fresh) {
      sent.set(e.json, e.timestamp);
      newestSeen = Math.max(newestSeen, e.timestamp);
    }
    for (const [json, timestamp] of sent) if (timestamp <= newestSeen - 2 * LATE_WINDOW_MS) sent.delete(json);
    if (fresh.length > 0 && clients.size > 0) broadcast(`event: events\ndata: [${fresh.map((e) => e.json).join(',')}]\n\n`);
  }

  function onNotice(): void {
    // Nobody is watching: nothing to read. A new client starts from "now" (see add).
    if (clients.size === 0) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = readNew()
      .catch((err: Error) => logger.warn({ err }, 'live feed could not read new events'))
      .finally(() => {
        reading = undefined;
        if (readAgain) {
          readAgain = false;
          onNotice();
        }
      });
  }

  subscriber.on('message', (from: string) => {
    if (from === channel) onNotice();
  });

  return {
    get clients() {
      return clients.size;
    },
    async start(): Promise<void> {
      await subscriber.subscribe(channel);
      keepalive = setInterval(() => broadcast(': keepalive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
    },
    /** Returns false when full, so the caller can answer 503. */
    add(res: Response): boolean {
      if (clients.size >= maxClients) return false;
      if (clients.size === 0) newestSeen = Math.max(newestSeen, Date.now() - LATE_WINDOW_MS);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return true;
    },
    async stop(): Promise<void> {
      clearInterval(keepalive);
      for (const res of clients) res.end();
      clients.clear();
      await reading;
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
