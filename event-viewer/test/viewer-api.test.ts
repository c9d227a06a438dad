import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { EventRecord } from '@eventstreamapp/event-schema';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { startOwnRedis } from '../../tests/support/own-redis.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { metricValue, waitFor } from '../../tests/support/wait.js';
import { loadConfig } from '../src/config.js';
import { MIN_COMPRESS_BYTES } from '../src/http/compress.js';
import { startViewer, store } from './helpers.js';

/** One GET with node:http, which, unlike fetch, hands back the body as sent (compressed); `abortAfterMs`: a stream. */
function rawGet(url: string, headers: Record<string, string>, abortAfterMs?: number) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', done);
      if (abortAfterMs !== undefined)
        setTimeout(() => {
          done();
          req.destroy();
        }, abortAfterMs);
    });
    req.on('error', (err) => (abortAfterMs === undefined ? reject(err) : undefined));
  });
}

/** Reads server-sent events from a live connection until `until` holds for what arrived. */
async function readLive(
  url: string,
  headers: Record<string, string>,
  until: (messages: { id?: string; event: string; data: string }[]) => boolean,
) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const reader = res.body!.getReader();
  const messages: { id?: string; event: string; data: string }[] = [];
  let buffer = '';
  const deadline = Date.now() + 15_000;
  try {
    while (!until(messages)) {
      if (Date.now() > deadline) throw new Error(`live feed: ${JSON.stringify(messages).slice(0, 500)}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString();
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const field = (name: string) =>
          lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
        if (field('event').length > 0)
          messages.push({ id: field('id')[0], event: field('event')[0]!, data: field('data').join('\n') });
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    controller.abort();
  }
  return messages;
}

/** One live connection kept open across several waits: `until` reads on until its condition holds. */
function openLive(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const messages: { id?: string; event: string; data: string }[] = [];
  const body = fetch(url, { headers, signal: controller.signal }).then((res) => res.body!.getReader());
  let buffer = '';
  return {
    messages,
    async until(condition: (m: typeof messages) => boolean, timeoutMs = 15_000): Promise<void> {
      const reader = await body;
      const deadline = Date.now() + timeoutMs;
      while (!condition(messages)) {
        if (Date.now() > deadline) throw new Error(`live feed: ${JSON.stringify(messages).slice(0, 500)}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('the live connection was closed');
        buffer += Buffer.from(value).toString();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
          if (field('event').length > 0)
            messages.push({ id: field('id')[0], event: field('event')[0]!, data: field('data').join('\n') });
        }
      }
    },
    close: () => controller.abort(),
  };
}

const rowIds = (messages: { event: string; data: string }[]) =>
  messages
    .filter((m) => m.event === 'rows')
    .flatMap((m) => [...m.data.matchAll(/data-event-id="([^"]+)"/g)].map((x) => x[1]!));

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

  it.each(['0', '1001', 'abc', '-1', '2.5'])(
    'answers limit=%s with a 400 JSON error naming the parameter',
    async (limit) => {
      const res = await request(app.url).get(`/events?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_query', parameter: 'limit' });
    },
  );

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

  it('filters by user_id and action in JSON and HTML, paging every match once, even past the scan budget', async () => {
    const small = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, FILTER_SCAN_MAX: '100' });
    onTestFinished(() => small.stop());
    const expected = [...events, ...ties]
      .filter((e) => e.event.user_id === 'u2')
      .sort((a, b) => b.event.timestamp - a.event.timestamp)
      .map((e) => e.event.event_id);
    const seen: string[] = [];
    let pages = 0;
    for (let next: string | undefined = '/events?user_id=u2&limit=20'; next; pages++) {
      const res = await request(small.url).get(next).set('accept', 'application/json');
      expect(res.status).toBe(200);
      expect(res.body.every((e: { user_id: string }) => e.user_id === 'u2')).toBe(true);
      seen.push(...res.body.map((e: { event_id: string }) => e.event_id));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
      if (next) expect(next).toContain('user_id=u2');
    }
    expect(seen).toEqual(expected);
    expect(pages).toBeGreaterThan(1);

    const none = await request(app.url).get('/events?action=nothing-like-it').set('accept', 'application/json');
    expect(none.body).toEqual([]);
    const html = await request(app.url).get('/events?user_id=u1');
    expect(html.text).toContain('Filtered events');
    expect(html.text).toContain('value="u1"');
    expect(html.text).toContain(events.filter((e) => e.event.user_id === 'u1').at(-1)!.event.event_id);
    expect(html.text).not.toContain(events.filter((e) => e.event.user_id === 'u2').at(-1)!.event.event_id);
  });

  it('reads `before` as a time of day, for "events before 10:30"', async () => {
    const iso = new Date(1_700_000_000_050).toISOString().slice(0, 23);
    const res = await request(app.url)
      .get(`/events?before=${encodeURIComponent(iso)}&limit=1000`)
      .set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.every((e: { timestamp: number }) => e.timestamp < 1_700_000_000_050)).toBe(true);
    expect(res.body).toHaveLength(50);
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

  it('counts the newest pages answered from memory and read from Redis on /metrics', async () => {
    const counted = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const value = (result: string) =>
        Number(new RegExp(`page_cache_requests_total\\{result="${result}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { hit: value('hit'), miss: value('miss') };
    };
    const before = await counted();
    // Three requests at once: the first reads Redis, the others share its read or its kept page.
    await Promise.all([1, 2, 3].map(() => request(app.url).get('/events?limit=7').set('accept', 'application/json')));
    const after = await counted();
    expect(after.miss - before.miss).toBe(1);
    expect(after.hit - before.hit).toBe(2);
  });

  it('redirects / to /events and serves the assets', async () => {
    const root = await request(app.url).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/events');
    expect((await request(app.url).get('/assets/live.js')).headers['content-type']).toMatch(/javascript/);
  });

  describe('compression by Accept-Encoding', () => {
    const decode = { br: brotliDecompressSync, gzip: gunzipSync } as const;

    it.each([
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
    ] as const)(
      'Accept-Encoding %s: the page in %s, the same bytes once decoded, JSON and HTML',
      async (acceptEncoding, expected) => {
        for (const accept of ['application/json', 'text/html']) {
          const plain = await rawGet(`${app.url}/events?limit=100`, { accept });
          expect(plain.headers['content-encoding']).toBeUndefined();
          const packed = await rawGet(`${app.url}/events?limit=100`, { accept, 'accept-encoding': acceptEncoding });
          expect(packed.status).toBe(200);
          expect(packed.headers['content-encoding']).toBe(expected);
          expect(packed.headers.vary).toMatch(/Accept-Encoding/);
          expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
          expect(decode[expected](packed.body).toString()).toBe(plain.body.toString());
          expect(packed.body.length).toBeLessThan(plain.body.length / 3);
        }
      },
    );

    it('sends identity when the client refuses both, and small answers as they are', async () => {
      const refused = await rawGet(`${app.url}/events?limit=100`, {
        accept: 'application/json',
        'accept-encoding': 'br;q=0, gzip;q=0',
      });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(refused.body.toString())).toHaveLength(100);
      const small = await rawGet(`${app.url}/events/u2`, { accept: 'application/json', 'accept-encoding': 'br' });
      expect(small.body.length).toBeLessThan(MIN_COMPRESS_BYTES);
      expect(small.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(small.body.toString())).toMatchObject({ user_id: 'u2' });
    });

    it('compresses the user page, the chart and the assets too', async () => {
      for (const [path, accept] of [
        ['/events/u2', 'text/html'],
        ['/assets/live.js', '*/*'],
      ] as const) {
        const plain = await rawGet(`${app.url}${path}`, { accept });
        const packed = await rawGet(`${app.url}${path}`, { accept, 'accept-encoding': 'gzip' });
        expect(packed.headers['content-encoding'], path).toBe('gzip');
        expect(gunzipSync(packed.body).toString()).toBe(plain.body.toString());
      }
    });

    it('never compresses the live feed', async () => {
      const live = await rawGet(`${app.url}/live`, { 'accept-encoding': 'br, gzip' }, 300);
      expect(live.status).toBe(200);
      expect(live.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(live.headers['content-encoding']).toBeUndefined();
      expect(live.body.toString()).toMatch(/^(retry|:|event|id)/m);
    });
  });
});

describe('event-viewer with XSS payloads in events', () => {
  it('shows every value as text', async () => {
    const redis = testRedis('viewer-xss');
    const payloads = [
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(2)>',
      'javascript:alert(3)',
      "' onmouseover='alert(4)",
    ];
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
      // Commands fail at once while disconnected: two answers well within one REDIS_COMMAND_TIMEOUT_MS.
      expect(Date.now() - started).toBeLessThan(loadConfig({}).REDIS_COMMAND_TIMEOUT_MS);
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
      const res = await fetch(`${app.url}/events`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('redis_unavailable');
      // /readyz tells the truth meanwhile: not ready, answered at once, although the connection looks open.
      await waitFor(
        async () => {
          const ready = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
          const body = (await ready.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
          return (
            ready.status === 503 &&
            body.checks.some((c) => c.name === 'redis' && !c.ok && /timed out/i.test(c.detail ?? ''))
          );
        },
        10_000,
        '/readyz saying Redis does not answer',
      );
      own.thaw();
      await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200, 10_000, 'ready again');
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

describe('the live feed over a real Redis stream', () => {
  /** A viewer on a key prefix of its own, stopped with the test. */
  async function ownViewer(label: string, env: Record<string, string> = {}) {
    const redis = testRedis(label);
    const app = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, ...env });
    onTestFinished(async () => {
      await app.stop();
      await redis.close();
    });
    return { redis, app };
  }

  it('resumes after Last-Event-ID with exactly what was missed, in order, past a far-future date', async () => {
    const { redis, app } = await ownViewer('viewer-live');
    const first = makeEvents(3, 1);
    const farFuture = makeEvents(1, 1, Date.now() + 60_000)[0]!;
    const future = { ...farFuture, event: { ...farFuture.event, timestamp: 253_402_300_799_000 } };
    future.json = JSON.stringify(future.event);
    await store(redis, first);
    await store(redis, [future]);
    const seen = await readLive(`${app.url}/live?since=0-0`, {}, (m) => rowIds(m).length >= 4);
    expect(rowIds(seen)).toEqual([...first, future].map((e) => e.event.event_id));
    const lastId = seen.at(-1)!.id!;

    // Disconnected now; more events arrive, among them after the far-future one.
    const missed = makeEvents(5, 2);
    await store(redis, missed);
    const resumed = await readLive(
      `${app.url}/live`,
      { 'last-event-id': seen[1]?.id ?? lastId },
      (m) => rowIds(m).length >= missed.length,
    );
    expect(rowIds(resumed).slice(-missed.length)).toEqual(missed.map((e) => e.event.event_id));
    expect(new Set(rowIds(resumed)).size).toBe(rowIds(resumed).length);
  });

  it('keeps a reader through a burst past its buffer bound, in bounded messages; resumes advance', async () => {
    // 500 events of about 3 KB: about 1.5 MB of rows at once, past the 1 MiB buffer bound.
    const { redis, app } = await ownViewer('viewer-burst');
    const burst = makeEvents(500, 5).map((e) => {
      const event = { ...e.event, note: 'n'.repeat(3_000) };
      return { ...e, event, json: JSON.stringify(event) } as typeof e;
    });
    const live = openLive(`${app.url}/live`);
    // Connected and following before the burst is written, so the burst reaches it as new rows, not as a catch-up.
    await waitFor(async () => (await metricValue(app.url, 'live_clients')) === 1, 10_000, 'the reader connected');
    await store(redis, burst);
    await live.until((m) => rowIds(m).length >= burst.length);
    expect(rowIds(live.messages)).toEqual(burst.map((e) => e.event.event_id));
    const rows = live.messages.filter((m) => m.event === 'rows');
    expect(rows.length).toBeGreaterThan(10);
    for (const m of rows) expect(Buffer.byteLength(m.data)).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    // Kept: the same connection takes the next event, and nobody was dropped.
    const [after] = makeEvents(1, 1, Date.now() + 1_000);
    await store(redis, [after!]);
    await live.until((m) => rowIds(m).includes(after!.event.event_id));
    live.close();
    expect(await metricValue(app.url, 'live_clients_dropped_total')).toBe(0);
    // A reader cut off after the first message resumes after it, not from before the burst.
    const resumed = await readLive(`${app.url}/live`, { 'last-event-id': rows[0]!.id! }, (m) => rowIds(m).length >= 1);
    expect(rowIds(resumed)[0]).toBe(rowIds([rows[1]!])[0]);
  });

  it('shows a new event on the newest page at once, though that page is answered from memory', async () => {
    const { redis, app } = await ownViewer('viewer-cache', { PAGE_CACHE_MS: '10000' });
    const read = async () => (await request(app.url).get('/events?limit=5').set('accept', 'application/json')).text;
    await store(redis, makeEvents(3, 1));
    const first = await read();
    expect(await read()).toBe(first);
    const [fresh] = makeEvents(1, 1, Date.now() + 1_000);
    await store(redis, [fresh!]);
    // The live stream's new entry forgets the cached page, long before its 10 s bound.
    await waitFor(
      async () => (await read()).includes(fresh!.event.event_id),
      5_000,
      'the new event on the newest page',
    );
  });

  it('serves a stored chunk live in order, a resume after any message exact, rows with journeys', async () => {
    const { redis, app } = await ownViewer('viewer-chunks');
    const events = makeEvents(300, 7);
    const published = Date.now();
    await store(
      redis,
      events,
      events.map((_, i) => `0:${i}:${published}`),
    );
    const seen = await readLive(`${app.url}/live?since=0-0`, {}, (m) => rowIds(m).length >= events.length);
    expect(rowIds(seen)).toEqual(events.map((e) => e.event.event_id));
    const rows = seen.filter((m) => m.event === 'rows');
    expect(rows.length).toBeGreaterThan(2);
    // Cut off after the first message: the rest comes exactly, nothing lost inside an entry.
    const rest = rowIds(rows.slice(1));
    const resumed = await readLive(
      `${app.url}/live`,
      { 'last-event-id': rows[0]!.id! },
      (m) => rowIds(m).length >= rest.length,
    );
    expect(rowIds(resumed)).toEqual(rest);
    // The newest page reads the newest entries until they hold its 50 events: every row has its journey.
    const page = (await request(app.url).get('/events?limit=50').set('accept', 'text/html')).text;
    expect(page.match(/partition 0 · offset \d+/g)).toHaveLength(50);
    expect(page).toContain(`partition 0 · offset ${events.length - 1} `);
  });

  it('pushes only the rows a filtered live connection asked for', async () => {
    const { redis, app } = await ownViewer('viewer-live-filter');
    const events = makeEvents(10, 5);
    await store(redis, events);
    const seen = await readLive(`${app.url}/live?since=0-0&user_id=u3`, {}, (m) => rowIds(m).length >= 2);
    expect(rowIds(seen)).toEqual(events.filter((e) => e.event.user_id === 'u3').map((e) => e.event.event_id));
  });
});
