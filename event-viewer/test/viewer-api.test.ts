import { type EventRecord, redisKeys } from '@eventstreamapp/event-schema';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { startOwnRedis } from '../../tests/support/own-redis.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { waitFor } from '../../tests/support/wait.js';
import { startViewer } from './helpers.js';

async function store(redis: TestRedis, events: EventRecord[]): Promise<void> {
  const keys = redisKeys(redis.prefix);
  const tx = redis.redis.multi();
  for (const { event, json } of events) tx.zadd(keys.eventLog, event.timestamp, json).set(keys.eventKey(event.user_id), json);
  await tx.exec();
}

describe('event-viewer over a real Redis', () => {
  let redis: TestRedis;
  let app: Awaited<ReturnType<typeof startViewer>>;
  const events = makeEvents(120, 4, 1_700_000_000_000);
  // Five events sharing one millisecond, to straddle page boundaries.
  const ties = makeEvents(5, 1, 1_700_000_000_000).map((e, i) => {
    const event = { ...e.event, user_id: `tie${i}`, timestamp: 1_700_000_000_050 };
    return { event, json: JSON.stringify(event) };
  });

  beforeAll(async () => {
    redis = testRedis('viewer');
    await store(redis, [...events, ...ties]);
    app = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
  });
  afterAll(async () => {
    await app?.stop();
    await redis?.close();
  });

  it('answers JSON newest first when asked for application/json', async () => {
    const res = await request(app.url).get('/events?limit=3').set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.body).toEqual([events[119]!.event, events[118]!.event, events[117]!.event]);
  });

  it.each([
    [undefined, 'html'],
    ['*/*', 'html'],
    ['text/html', 'html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
    ['application/json', 'json'],
    ['application/json;q=0.9, text/html;q=0.5', 'json'],
    ['text/html;q=0.4, application/json;q=0.8', 'json'],
    ['application/*', 'json'],
  ])('negotiates Accept %s to %s', async (accept, format) => {
    const req = request(app.url).get('/events?limit=1');
    if (accept !== undefined) req.set('accept', accept);
    const res = await req;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(format === 'html' ? /^text\/html/ : /^application\/json/);
  });

  it('answers 406 to an Accept it cannot meet', async () => {
    const res = await request(app.url).get('/events').set('accept', 'image/png');
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('not_acceptable');
  });

  it('uses 50 as the default limit and 1000 as the most', async () => {
    const res = await request(app.url).get('/events').set('accept', 'application/json');
    expect(res.body).toHaveLength(50);
    expect((await request(app.url).get('/events?limit=1000').set('accept', 'application/json')).body).toHaveLength(125);
  });

  it.each(['0', '1001', 'abc', '-1', '2.5'])('answers limit=%s with a 400 JSON error naming the parameter', async (limit) => {
    const res = await request(app.url).get(`/events?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_query', parameter: 'limit' });
  });

  it('answers a bad before with 400', async () => {
    const res = await request(app.url).get('/events?before=yesterday').set('accept', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.error.parameter).toBe('before');
  });

  it('pages through everything with the Link header, across equal timestamps, each event once', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/events?limit=50';
    let pages = 0;
    while (next) {
      const res = await request(app.url).get(next).set('accept', 'application/json');
      expect(res.status).toBe(200);
      seen.push(...res.body.map((e: { event_id: string }) => e.event_id));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(125);
    expect(new Set(seen).size).toBe(125);

    const small: string[] = [];
    next = '/events?limit=2&before=1700000000051';
    while (next) {
      const res = await request(app.url).get(next).set('accept', 'application/json');
      small.push(...res.body.map((e: { event_id: string }) => e.event_id));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
    }
    expect(new Set(small).size).toBe(small.length);
    expect(small).toEqual(expect.arrayContaining(ties.map((t) => t.event.event_id)));
    expect(small).toHaveLength(5 + 51);
  });

  it("answers a user's latest event, and 404 for a user without one", async () => {
    const res = await request(app.url).get('/events/u2').set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(events.filter((e) => e.event.user_id === 'u2').at(-1)!.event);
    const html = await request(app.url).get('/events/u2');
    expect(html.text).toContain(events.filter((e) => e.event.user_id === 'u2').at(-1)!.event.event_id);
    const missing = await request(app.url).get('/events/nobody').set('accept', 'application/json');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('renders the HTML page with the events, a chart and a next link, and a strict CSP', async () => {
    const res = await request(app.url).get('/events?limit=10');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(res.text).toContain('<svg id="rate-chart"');
    expect(res.text).toContain(events[119]!.event.event_id);
    expect(res.text).toMatch(/<a rel="next" href="\/events\?limit=10&amp;before=\d+&amp;skip=\d+">/);
    expect(res.text).not.toMatch(/<script>/);
  });

  it('redirects / to /events and serves the assets', async () => {
    const root = await request(app.url).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/events');
    expect((await request(app.url).get('/assets/live.js')).headers['content-type']).toMatch(/javascript/);
  });
});

describe('event-viewer with XSS payloads in events', () => {
  it('shows every value as text', async () => {
    const redis = testRedis('viewer-xss');
    const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', 'javascript:alert(3)', "' onmouseover='alert(4)"];
    const event = {
      event_id: '6f1c1a54-3b7e-4ad4-9d8e-1d2a3b4c5d6e',
      user_id: '<b>bold</b>',
      timestamp: 1_700_000_000_000,
      action: payloads[0],
      payload: payloads,
    };
    await store(redis, [{ event, json: JSON.stringify(event) } as EventRecord]);
    const app = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
    try {
      const res = await request(app.url).get('/events');
      expect(res.text).not.toContain('<script>alert');
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).not.toContain('<b>bold</b>');
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.text).toContain('href="/events/%3Cb%3Ebold%3C%2Fb%3E"');
    } finally {
      await app.stop();
      await redis.close();
    }
  });
});

describe('event-viewer while Redis is unreachable', () => {
  it('answers 503 quickly in JSON and HTML, and recovers when Redis returns', async () => {
    const own = await startOwnRedis();
    const app = await startViewer({ REDIS_URL: own.url });
    try {
      await own.stop();
      const started = Date.now();
      const json = await request(app.url).get('/events').set('accept', 'application/json');
      expect(json.status).toBe(503);
      expect(json.body.error.code).toBe('redis_unavailable');
      expect(json.headers['retry-after']).toBe('2');
      const html = await request(app.url).get('/events').set('accept', 'text/html');
      expect(html.status).toBe(503);
      expect(html.text).toContain('unavailable');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await request(app.url).get('/readyz')).status).toBe(503);
      await own.start();
      await waitFor(
        async () => (await request(app.url).get('/events').set('accept', 'application/json')).status === 200,
        15_000,
        'recovery',
      );
    } finally {
      await app.stop();
      await own.remove();
    }
  });
});

describe('event-viewer while Redis is frozen with its connections open', () => {
  it('answers 503 instead of hanging, and serves again once Redis thaws', async () => {
    const own = await startOwnRedis();
    const app = await startViewer({ REDIS_URL: own.url });
    try {
      own.freeze();
      const res = await fetch(`${app.url}/events`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('redis_unavailable');
      own.thaw();
      await waitFor(
        async () => (await request(app.url).get('/events').set('accept', 'application/json')).status === 200,
        15_000,
        'recovery',
      );
    } finally {
      own.thaw();
      await app.stop();
      await own.remove();
    }
  });
});

describe('the live feed under a flood', () => {
  it('pushes the newest event even when more than a push holds arrived in the window', async () => {
    const redis = testRedis('viewer-flood');
    const keys = redisKeys(redis.prefix);
    const app = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
    const controller = new AbortController();
    try {
      const live = await fetch(`${app.url}/live`, { signal: controller.signal });
      const reader = live.body!.getReader();
      let received = '';
      const reading = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          received += Buffer.from(value).toString();
        }
      })().catch(() => undefined);

      await store(redis, makeEvents(1_500, 50, Date.now() - 2_000));
      const newest = makeEvents(1, 1, Date.now() + 1_000)[0]!;
      await store(redis, [newest]);
      await waitFor(
        async () => {
          await redis.redis.publish(keys.storedChannel, '{}');
          await new Promise((r) => setTimeout(r, 200));
          return received.includes(newest.event.event_id);
        },
        10_000,
        'the newest event on the live feed',
      );
      controller.abort();
      await reading;
    } finally {
      controller.abort();
      await app.stop();
      await redis.close();
    }
  });
});
