import { DEFAULT_MAX_EVENT_BYTES, type EventRecord, normalizeEvent, redisKeys } from '@eventstreamapp/event-schema';
import type { Accepted } from '@eventstreamapp/pipeline';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it, onTestFinished } from 'vitest';
import { storeEvents } from '../../event-consumer/src/store-events.js';
import { makeEvents } from '../../tests/support/events.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { PRETTY_CHARS } from '../src/events/render.js';
import { startViewer } from './helpers.js';

const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** A valid event as large as the default limit allows: `fill` makes its bulk. */
function largeEvent(i: number, user: string, fill: (room: number) => unknown): EventRecord {
  const base = normalizeEvent({ user_id: user, seq: i, timestamp: Date.now() - 100_000 + i, payload: '' });
  if (!base.ok) throw new Error(base.rejection.message);
  const record = normalizeEvent({
    ...base.value.event,
    payload: fill(DEFAULT_MAX_EVENT_BYTES - base.value.json.length - 64),
  });
  if (!record.ok) throw new Error(record.rejection.message);
  return record.value;
}

/** Arrays nested 60 deep, as many as fit: a few KB of JSON that pretty-prints to about 60× its size. */
const nestedArrays = (room: number) =>
  Array.from({ length: Math.floor(room / 122) }, () => JSON.parse(`${'['.repeat(60)}1${']'.repeat(60)}`));

async function storeLikeTheConsumer(redis: Redis, prefix: string, events: EventRecord[]): Promise<void> {
  const accepted: Accepted[] = events.map((record) => ({ offset: '0', record, bytes: Buffer.from(record.json) }));
  for (let i = 0; i < accepted.length; i += 100) {
    await storeEvents(redis, redisKeys(prefix), accepted.slice(i, i + 100), {
      dedupWindowMs: 60_000,
      maxLogLength: 0,
      maxStreamLength: 1_000,
      retentionMs: 0,
      userKeyTtlMs: 0,
      waitReplicas: 0,
      waitTimeoutMs: 1_000,
    });
  }
}

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

describe('the viewer bounded in bytes', () => {
  let store: TestRedis;
  beforeEach(() => {
    store = testRedis('budgets');
  });
  afterEach(async () => {
    await store.close();
  });

  it('pages 1,000 events of 64 KiB within MAX_PAGE_BYTES, each once; 10 readers do not grow Redis', async () => {
    const events = Array.from({ length: 1_000 }, (_, i) => largeEvent(i, 'big', (room) => 'x'.repeat(room)));
    await storeLikeTheConsumer(store.redis, store.prefix, events);
    const app = await startViewer({ REDIS_KEY_PREFIX: store.prefix, MAX_PAGE_BYTES: String(MAX_PAGE_BYTES) });
    onTestFinished(() => app.stop());

    // Following rel="next" from limit=1000 pages through everything, once, in pages within the budget.
    const seen: string[] = [];
    let pages = 0;
    for (let next: string | undefined = '/events?limit=1000'; next; pages++) {
      const res = await fetch(`${app.url}${next}`, { headers: { accept: 'application/json' } });
      const body = await res.text();
      expect(res.status).toBe(200);
      const page = JSON.parse(body) as { event_id: string }[];
      // The events' own JSON (the body less its brackets and commas) stays within the budget.
      expect(Buffer.byteLength(body) - 2 - (page.length - 1)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      for (const e of page) seen.push(e.event_id);
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    // Every page but the last as full as the budget allows: as many whole events as fit in 4 MiB.
    const perPage = Math.floor(MAX_PAGE_BYTES / Math.max(...events.map((e) => Buffer.byteLength(e.json))));
    expect(pages).toBe(Math.ceil(events.length / perPage));
    expect(seen).toEqual(events.map((e) => e.event.event_id).reverse());

    // Ten readers asking for the largest page for 5 s, while a writer stores as the consumer does,
    // on a connection that gives up after 2 s (the consumer's would retry and fall behind).
    const writer = new Redis(inject('redisUrl'), { commandTimeout: 2_000, maxRetriesPerRequest: 0 });
    onTestFinished(() => writer.disconnect());
    const before = await usedMemory(store.redis);
    let peak = before;
    let writes = 0;
    const until = Date.now() + 5_000;
    const sampler = setInterval(() => void usedMemory(store.redis).then((m) => (peak = Math.max(peak, m))), 100);
    onTestFinished(() => clearInterval(sampler));
    const readers = Array.from({ length: 10 }, async () => {
      let answered = 0;
      while (Date.now() < until) {
        const res = await fetch(`${app.url}/events?limit=1000`, { headers: { accept: 'application/json' } });
        await res.arrayBuffer();
        if (res.status === 200) answered++;
      }
      return answered;
    });
    const writing = (async () => {
      while (Date.now() < until) {
        await storeLikeTheConsumer(writer, store.prefix, makeEvents(100, 10));
        writes++;
      }
    })();
    const answered = await Promise.all(readers);
    await writing;
    clearInterval(sampler);
    expect(answered.every((n) => n > 0)).toBe(true);
    expect(writes).toBeGreaterThan(10);
    // Ten replies of 4 MiB in flight at most, and what the writes added: far from the gigabytes an
    // unbounded reply let one reader build.
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('renders events that pretty-print to megabytes within budget, each row cut saying how much more', async () => {
    const events = Array.from({ length: 150 }, (_, i) => largeEvent(i, `nested-${i}`, nestedArrays));
    expect(JSON.stringify(events[0]!.event, null, 2).length).toBeGreaterThan(1_000_000);
    await storeLikeTheConsumer(store.redis, store.prefix, events);
    const app = await startViewer({ REDIS_KEY_PREFIX: store.prefix });
    onTestFinished(() => app.stop());
    const res = await fetch(`${app.url}/events?limit=150`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    const rows = html.split('<tr id="e-').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.length).toBeLessThan(PRETTY_CHARS * 6 + 4_096);
      expect(row).toMatch(
        /… [\d.]+ (KB|MB) more not shown: the JSON API \(Accept: application\/json\) has the whole event\./,
      );
    }
    // What did not fit continues on the next page, never lost.
    if (rows.length < 150) expect(res.headers.get('link')).toMatch(/rel="next"/);
  });
});
