import { createLogger, ServiceError } from '@eventstreamapp/service-kit';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { PageQuery } from '../events/query.js';
import { createEventRoutes } from '../events/routes.js';
import type { EventStore, Page } from '../events/store.js';
import type { LiveFeed } from '../live/feed.js';
import { createLiveRoutes } from '../live/routes.js';
import { createMetrics } from '../metrics.js';
import type { StoredEvent } from '../model/stored-event.js';
import { viewerDocument } from '../openapi.js';
import { type Access, createAccess } from './access.js';
import { createApp } from './app.js';

const event = (n: number, user = 'alice', action = 'login'): StoredEvent => {
  const json = JSON.stringify({
    event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    user_id: user,
    timestamp: 1_000 + n,
    action,
  });
  return { json, timestamp: 1_000 + n };
};

/** The store's reads, from memory, recording the queries the routes make. */
function fakeStore(events: StoredEvent[], failing = false) {
  const queries: PageQuery[] = [];
  const store = {
    async page(query: PageQuery): Promise<Page> {
      if (failing)
        throw new ServiceError('redis_unavailable', 'Redis is unavailable: Connection is closed.', { retryable: true });
      queries.push(query);
      const matching = events.filter((e) => {
        const parsed = JSON.parse(e.json) as { user_id: string; action: string };
        return (
          (query.userId === undefined || parsed.user_id === query.userId) &&
          (query.action === undefined || parsed.action === query.action)
        );
      });
      const page = matching.slice(query.skip, query.skip + query.limit);
      return {
        events: page,
        positions: page.map((_, i) => i),
        scanned: page.map((e) => e.timestamp),
        exhausted: page.length < query.limit,
        streamId: '5-0',
      };
    },
    async latestOf(userId: string) {
      return events.filter((e) => (JSON.parse(e.json) as { user_id: string }).user_id === userId).at(0)?.json ?? null;
    },
    async rate() {
      return [{ start: 0, count: 3 }];
    },
  };
  return { store: store as unknown as EventStore, queries };
}

function app(
  store: EventStore,
  live: Pick<LiveFeed, 'add'> = { add: () => 'added' },
  retentionMs = 0,
  trustProxy: string | false = false,
  access?: Access,
) {
  const config = {
    DEFAULT_LIMIT: 2,
    MAX_LIMIT: 10,
    CHART_MINUTES: 1,
    FILTER_SCAN_MAX: 100,
    FILTER_MAX_MS: 500,
    MAX_PAGE_BYTES: 4 * 1024 * 1024,
    EVENT_RETENTION: retentionMs,
  };
  return createApp({
    logger: createLogger('event-viewer', 'silent'),
    document: viewerDocument(loadConfig({})),
    rooms: [
      createEventRoutes({ config, store, now: () => 10_000 }),
      createLiveRoutes({
        live,
        newest: async () => '5-0',
        renderPage: (_filter, streamId) => `<p>live from ${streamId}</p>`,
      }),
    ],
    liveScript: '/* live */',
    trustProxy,
    ...(access ? { access } : {}),
    registry: createMetrics(() => 0).registry,
    readiness: () => [],
  });
}

describe('the viewer’s routes', () => {
  it('behind a token: 401 for pages, feed, /metrics; 200 with it; probes open; 429 past limit', async () => {
    const { store } = fakeStore([event(1)]);
    const viewer = app(store, undefined, 0, false, createAccess({ token: 's'.repeat(20), maxFailuresPerMinute: 2 }));
    for (const path of ['/events', '/events/alice', '/live', '/rate', '/metrics', '/assets/live.js']) {
      const res = await request(viewer).get(path).set('accept', 'application/json');
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate'], path).toBe('Bearer realm="EventStreamApp"');
      expect(res.body.error.code).toBe('unauthorized');
    }
    const ok = await request(viewer)
      .get('/events')
      .set('accept', 'application/json')
      .set('authorization', `Bearer ${'s'.repeat(20)}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('alice');
    for (const probe of ['/healthz', '/readyz']) expect((await request(viewer).get(probe)).status, probe).toBe(200);
    for (let i = 0; i < 2; i++) await request(viewer).get('/events').set('authorization', 'Bearer guess');
    const limited = await request(viewer)
      .get('/events')
      .set('accept', 'application/json')
      .set('authorization', 'Bearer another-guess');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_attempts');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The token verified above costs nothing to accept again: the address's limit does not stop it.
    const verified = await request(viewer)
      .get('/events')
      .set('accept', 'application/json')
      .set('authorization', `Bearer ${'s'.repeat(20)}`);
    expect(verified.status).toBe(200);
  });

  it('say on the oldest kept page, and on an empty page past it, that older events are not kept', async () => {
    const { store } = fakeStore([event(3), event(2), event(1)]);
    const viewer = app(store, undefined, 7 * 86_400_000);
    const first = await request(viewer).get('/events').set('accept', 'application/json');
    expect(first.headers['x-event-retention']).toBe('7d');
    expect(first.headers['x-retention-notice']).toBeUndefined();
    const last = await request(viewer).get('/events?limit=5').set('accept', 'application/json');
    expect(last.body).toHaveLength(3);
    expect(last.headers['x-retention-notice']).toBe('events older than 7d are not kept (EVENT_RETENTION)');
    const { store: empty } = fakeStore([]);
    const past = await request(app(empty, undefined, 7 * 86_400_000))
      .get('/events?before=5')
      .set('accept', 'text/html');
    expect(past.headers['x-retention-notice']).toMatch(/older than 7d/);
    expect(past.text).toContain('<p id="retention">Events older than 7d are not kept (EVENT_RETENTION).</p>');
    expect(past.text).toContain('No older events.');
    // Without retention the end of the log is just its end.
    const unbounded = await request(app(store)).get('/events?limit=5').set('accept', 'application/json');
    expect(unbounded.headers['x-event-retention']).toBeUndefined();
    expect(unbounded.headers['x-retention-notice']).toBeUndefined();
  });

  it('pass user_id and action to the store and keep them in the rel="next" link', async () => {
    const { store, queries } = fakeStore([event(3, 'bob', 'a b'), event(2, 'bob', 'a b'), event(1, 'bob', 'a b')]);
    const res = await request(app(store)).get('/events?user_id=bob&action=a%20b').set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(queries[0]).toMatchObject({ userId: 'bob', action: 'a b', limit: 2 });
    expect(res.headers.link).toBe('</events?limit=2&before=1003&skip=1&user_id=bob&action=a+b>; rel="next"');
  });

  it('answers a malformed percent-encoding in a path with 400, as JSON or as an HTML page for a browser', async () => {
    const { store } = fakeStore([]);
    const json = await request(app(store)).get('/events/%E0%A4%A').set('accept', 'application/json');
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('bad_request');
    const html = await request(app(store)).get('/events/%').set('accept', 'text/html');
    expect(html.status).toBe(400);
    expect(html.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers a user’s latest event as JSON, and a page of their recent events with it as HTML', async () => {
    const { store, queries } = fakeStore([event(2), event(1), event(3, 'bob')]);
    const json = await request(app(store)).get('/events/alice').set('accept', 'application/json');
    expect(JSON.parse(json.text)).toMatchObject({ user_id: 'alice', timestamp: 1_002 });
    const html = await request(app(store)).get('/events/alice');
    expect(html.text).toContain('Events of alice');
    expect(queries.at(-1)).toMatchObject({ userId: 'alice' });
    expect(html.text).toContain('data-stream-id="5-0"');
    expect((await request(app(store)).get('/events/nobody').set('accept', 'application/json')).status).toBe(404);
  });

  it('counts live clients per address from X-Forwarded-For only behind a trusted proxy (TRUST_PROXY)', async () => {
    const { store } = fakeStore([]);
    const addresses: string[] = [];
    const live = {
      add: (_sink: unknown, { address }: { address: string }) => {
        addresses.push(address);
        return 'full' as const;
      },
    };
    await request(app(store, live)).get('/live').set('x-forwarded-for', '203.0.113.7');
    await request(app(store, live, 0, 'loopback'))
      .get('/live')
      .set('x-forwarded-for', '203.0.113.7');
    expect(addresses).toEqual([expect.stringMatching(/127\.0\.0\.1$/), '203.0.113.7']);
  });

  it('refuses a live connection beyond the limits with 503 + Retry-After, a bad Last-Event-ID with 400', async () => {
    const { store } = fakeStore([]);
    const full = await request(app(store, { add: () => 'address-full' }))
      .get('/live')
      .set('accept', 'application/json');
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('2');
    expect(full.body.error).toMatchObject({
      code: 'too_many_live_clients',
      message: expect.stringContaining('your address'),
    });
    const bad = await request(app(store))
      .get('/live')
      .set('last-event-id', 'yesterday')
      .set('accept', 'application/json');
    expect(bad.status).toBe(400);
    expect(bad.body.error.parameter).toBe('since');
  });

  it('gives a browser on /live the page from the stream’s newest id, an EventSource the stream', async () => {
    const { store } = fakeStore([]);
    let added = 0;
    const live = {
      add: () => {
        added++;
        return 'full' as const;
      },
    };
    const page = await request(app(store, live))
      .get('/live?user_id=alice')
      .set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers.vary).toMatch(/Accept/);
    expect(page.text).toBe('<p>live from 5-0</p>');
    expect(added).toBe(0);
    const from = await request(app(store, live)).get('/live?since=3-1').set('accept', 'text/html');
    expect(from.text).toBe('<p>live from 3-1</p>');
    expect((await request(app(store, live)).get('/live?since=%').set('accept', 'text/html')).status).toBe(400);
    const stream = await request(app(store, live)).get('/live').set('accept', 'text/event-stream');
    expect(stream.status).toBe(503);
    expect(added).toBe(1);
  });

  it('serves the chart as HTML to the page refreshing it and as JSON to the rest', async () => {
    const { store } = fakeStore([]);
    expect((await request(app(store)).get('/rate').set('accept', 'text/html')).text).toMatch(
      /^<h2>Events per second<\/h2><svg id="rate-chart"/,
    );
    expect((await request(app(store)).get('/rate').set('accept', 'application/json')).body).toEqual({
      bucket_ms: 5_000,
      buckets: [{ start: 0, count: 3 }],
    });
  });

  it('answers 503 redis_unavailable while the store fails', async () => {
    const { store } = fakeStore([], true);
    const res = await request(app(store)).get('/events').set('accept', 'application/json');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('redis_unavailable');
  });
});
