import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { redisKeys } from '@eventstreamapp/event-schema';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { expectSteady, metricValue, waitFor } from '../../tests/support/wait.js';
import { startViewer } from './helpers.js';

const LOG_EVENTS = 300_000;
const BASE = Date.UTC(2026, 10, 1);

/** An export read over a raw socket, so that a test can stop reading it: what arrived, and when it closed. */
async function rawExport(url: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  onTestFinished(() => void socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines.join('')}\r\n`);
  const text = () => Buffer.concat(chunks).toString();
  return { socket, closed, text, received: () => chunks.reduce((n, c) => n + c.length, 0) };
}

/** One labelled series of a counter on /metrics, or 0 while it has none. */
async function counter(url: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The last line of an export's body, parsed when it is the NDJSON export_incomplete object. */
const incomplete = (body: string) =>
  (
    JSON.parse(body.trimEnd().split('\n').at(-1)!) as {
      export_incomplete?: { reason: string; scanned: number; next: string };
    }
  ).export_incomplete;

/** The log as the consumer leaves it, written straight into `event_log` (300,000 store calls would take minutes). */
async function fillLog(redis: TestRedis): Promise<string> {
  const key = redisKeys(redis.prefix).eventLog;
  const needle = randomUUID();
  for (let start = 0; start < LOG_EVENTS; start += 10_000) {
    const args: (string | number)[] = [];
    for (let i = start; i < start + 10_000; i++) {
      const event = {
        event_id: i === 0 ? needle : randomUUID(),
        user_id: `u${i % 50}`,
        timestamp: BASE + i,
        action: 'view',
        // item-220 is the oldest event's alone: the others go up to item-199.
        payload: {
          item_id: i === 0 ? 'item-220' : `item-${i % 200}`,
          note: i === 0 ? 'the needle in the haystack' : 'hay',
        },
      };
      args.push(event.timestamp, JSON.stringify(event));
    }
    await redis.redis.zadd(key, ...args);
  }
  return needle;
}

describe('search within the retention', () => {
  let redis: TestRedis;
  let needle: string;

  beforeAll(async () => {
    redis = testRedis('search');
    needle = await fillLog(redis);
  }, 120_000);
  afterAll(() => redis?.close());

  it('finds a match 300,000 events back by following its cursor, each answer within its scan budget', {
    timeout: 180_000,
  }, async () => {
    const viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
    onTestFinished(() => viewer.stop());
    const found: { event_id: string }[] = [];
    const scannedTo: number[] = [];
    let scanned = 0;
    let answers = 0;
    for (let next: string | undefined = '/events?where=payload.item_id%3Ditem-220&limit=10'; next; answers++) {
      const res = await request(viewer.url).get(next).set('accept', 'application/json');
      expect(res.status).toBe(200);
      const count = Number(res.headers['x-scanned-events']);
      expect(count).toBeLessThanOrEqual(10_000);
      scanned += count;
      found.push(...res.body);
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
      // Only the last answer may read nothing: the one that finds the log's end right where the previous stopped.
      if (count > 0) scannedTo.push(Number(res.headers['x-scanned-to']));
      else expect(next).toBeUndefined();
      if (next) expect(new URL(next, viewer.url).searchParams.get('where')).toBe('payload.item_id=item-220');
    }
    expect(found.map((e) => e.event_id)).toEqual([needle]);
    expect(scanned).toBe(LOG_EVENTS);
    expect(answers).toBeGreaterThanOrEqual(LOG_EVENTS / 10_000);
    expect(scannedTo).toEqual([...scannedTo].sort((a, b) => b - a));
    expect(scannedTo.at(-1)).toBe(BASE);

    // The same by text, as a page: what it searched and how to go on.
    const page = await request(viewer.url).get('/events?q=NEEDLE+in+the').set('accept', 'text/html');
    const searched = /<p id="scan">Searched \d+ events back to <time datetime="[^"]+">[^<]+<\/time> UTC;/;
    expect(page.text).toMatch(new RegExp(`${searched.source} older events continue the search\\.<\\/p>`));
    expect(page.text).toContain('name="q" type="search" value="NEEDLE in the"');
    expect(page.text).toMatch(/rel="next" href="\/events\?[^"]*q=NEEDLE/);
  });

  it('stops a search at FILTER_MAX_MS however rare the match, and serves other readers meanwhile', {
    timeout: 60_000,
  }, async () => {
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      FILTER_SCAN_MAX: '1000000',
      FILTER_MAX_MS: '20',
    });
    onTestFinished(() => viewer.stop());
    const res = await request(viewer.url).get('/events?q=no-such-text').set('accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    const count = Number(res.headers['x-scanned-events']);
    // At least one slice, and far from the whole log the scan budget alone would allow.
    expect(count).toBeGreaterThanOrEqual(500);
    expect(count).toBeLessThan(LOG_EVENTS);
    expect(res.headers.link).toMatch(/rel="next"/);

    // Eight searches at once, and a reader of the newest page beside them (latencies printed, not asserted).
    const searches = Array.from({ length: 8 }, () =>
      request(viewer.url).get('/events?q=no-such-text').set('accept', 'application/json'),
    );
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const newest = await request(viewer.url).get('/events?limit=20').set('accept', 'application/json');
      latencies.push(Math.round(performance.now() - started));
      expect(newest.status).toBe(200);
      expect(newest.body).toHaveLength(20);
    }
    const answered = await Promise.all(searches);
    expect(answered.map((r) => r.status)).toEqual(Array(8).fill(200));
    console.info(
      `newest page during 8 searches, ms: ${latencies.join(' ')}; ` +
        `each search read ${answered.map((r) => r.headers['x-scanned-events']).join(' ')} events`,
    );
  });

  it('exports a search as NDJSON and CSV: exactly the events its pages list, newest first, as a download', {
    timeout: 60_000,
  }, async () => {
    const viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
    onTestFinished(() => viewer.stop());
    const search = 'where=payload.item_id%3Ditem-7&user_id=u7';
    const listed: string[] = [];
    for (let next: string | undefined = `/events?${search}&limit=500`; next; ) {
      const res = await request(viewer.url).get(next).set('accept', 'application/json');
      listed.push(...res.body.map((e: object) => JSON.stringify(e)));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
    }
    expect(listed.length).toBe(1_500);
    const ndjson = await request(viewer.url).get(`/export?${search}`);
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(ndjson.headers['content-disposition']).toMatch(/^attachment; filename="events-[\dT-]+\.ndjson"$/);
    expect(ndjson.text.split('\n').slice(0, -1)).toEqual(listed);
    const csv = await request(viewer.url)
      .get(`/export?${search}&format=csv`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      });
    const rows = (csv.body as string).split('\r\n').slice(0, -1);
    expect(rows[0]).toBe('time,user_id,action,event_id,json');
    expect(rows.slice(1).map((r) => r.split(',')[3])).toEqual(
      listed.map((j) => (JSON.parse(j) as { event_id: string }).event_id),
    );
    // The page links both.
    const page = await request(viewer.url).get(`/events?${search}`).set('accept', 'text/html');
    expect(page.text).toContain('href="/export?user_id=u7&amp;where=payload.item_id%3Ditem-7&amp;format=csv" download');
    expect((await request(viewer.url).get('/export?format=xml').set('accept', 'application/json')).status).toBe(400);
  });

  it('writes an export only as fast as its client reads: one that stops reading holds its socket buffer, not the log', {
    timeout: 90_000,
  }, async () => {
    const viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, EXPORT_MAX_EVENTS: String(LOG_EVENTS) });
    onTestFinished(() => viewer.stop());
    const { host, port } = new URL(viewer.url);
    const socket = connect({ host: host.split(':')[0], port: Number(port) });
    onTestFinished(() => void socket.destroy());
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /export HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitFor(async () => received > 0, 10_000, 'the export starting');
    socket.pause();
    // Stalled: nothing more is handed to the socket for two seconds, far below the whole log (about 50 MB).
    const exported = () => metricValue(viewer.url, 'export_events_total').catch(() => 0);
    let stalledAt = 0;
    await waitFor(
      async () => {
        stalledAt = await exported();
        if (stalledAt === 0) return false;
        return expectSteady(exported, 2_000, 'events exported').then(
          () => true,
          () => false,
        );
      },
      40_000,
      'the export waiting for its client',
    );
    expect(stalledAt).toBeLessThan(LOG_EVENTS / 2);
    // Reading again, the client gets the whole log.
    socket.resume();
    await waitFor(async () => (await exported()) === LOG_EVENTS, 60_000, 'the export finishing');
    await closed;
    expect(received).toBeGreaterThan(LOG_EVENTS * 100);
  });

  // #44, finding 1: exports are admitted, budgeted, read in a lane of their own, and cut off when stalled.
  it('refuses exports beyond EXPORTS_IN_FLIGHT and EXPORTS_PER_CLIENT with 429 and Retry-After, counted', {
    timeout: 60_000,
  }, async () => {
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      EXPORTS_IN_FLIGHT: '3',
      EXPORTS_PER_CLIENT: '1',
      TRUST_PROXY: 'loopback',
    });
    onTestFinished(() => viewer.stop());
    const from = (address: string) => ({ 'x-forwarded-for': address });
    // Two clients each hold an export open by not reading it.
    const held = [
      await rawExport(viewer.url, '/export', from('10.0.0.1')),
      await rawExport(viewer.url, '/export', from('10.0.0.2')),
    ];
    await waitFor(async () => held.every((h) => h.received() > 0), 10_000, 'both exports started');
    for (const h of held) h.socket.pause();
    const again = await fetch(`${viewer.url}/export`, { headers: { ...from('10.0.0.1'), accept: 'application/json' } });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('5');
    expect(((await again.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'too_many_exports',
      message: 'too many of your exports are running; retry when one ends',
    });
    const third = await rawExport(viewer.url, '/export', from('10.0.0.3'));
    await waitFor(async () => third.received() > 0, 10_000, 'the third export started');
    third.socket.pause();
    const fourth = await fetch(`${viewer.url}/export`, {
      headers: { ...from('10.0.0.4'), accept: 'application/json' },
    });
    expect(fourth.status).toBe(429);
    expect(((await fourth.json()) as { error: { message: string } }).error.message).toMatch(
      /exports are running at once/,
    );
    expect(await counter(viewer.url, 'exports_refused_total', 'limit="client"')).toBe(1);
    expect(await counter(viewer.url, 'exports_refused_total', 'limit="total"')).toBe(1);
    // A client that goes away frees its slot at once.
    held[0]!.socket.destroy();
    await waitFor(
      async () => (await fetch(`${viewer.url}/export?q=no-such-text`, { headers: from('10.0.0.4') })).status === 200,
      10_000,
      'a slot freed by the client that left',
    );
  });

  it('keeps every read slot for the pages while exports that match nothing scan the log', {
    timeout: 120_000,
  }, async () => {
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      PAGE_READS_IN_FLIGHT: '1',
      EXPORTS_IN_FLIGHT: '4',
      EXPORTS_PER_CLIENT: '4',
    });
    onTestFinished(() => viewer.stop());
    const exports = Array.from({ length: 4 }, () =>
      fetch(`${viewer.url}/export?q=no-such-text`).then(async (r) => [r.status, await r.text()]),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 30 filtered pages at once: one reads, 29 wait, within the 32 waiting one slot allows; the exports take none.
    const pages = await Promise.all(
      Array.from({ length: 30 }, () =>
        fetch(`${viewer.url}/events?q=no-such-text&limit=10`, { headers: { accept: 'application/json' } }),
      ),
    );
    expect(pages.map((r) => r.status)).toEqual(Array(30).fill(200));
    // The exports went on to the log's end: nothing matched, nothing was cut.
    expect(await Promise.all(exports)).toEqual(Array(4).fill([200, '']));
    expect(await counter(viewer.url, 'exports_ended_total', 'outcome="complete"')).toBe(4);
  });

  it('ends an export at its scan, event and time budgets with a last line saying where the rest starts', {
    timeout: 120_000,
  }, async () => {
    // The scan and event budgets with the default time budget, which a loaded machine could spend first.
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      EXPORT_SCAN_MAX: '50000',
      EXPORT_MAX_EVENTS: '1234',
      EXPORTS_PER_CLIENT: '2',
    });
    onTestFinished(() => viewer.stop());
    // Scan budget: a search that matches nothing reads 50,000 events (and at most one more page read), then says so.
    const first = await (await fetch(`${viewer.url}/export?q=no-such-text`)).text();
    const cut = incomplete(first)!;
    expect(first.trimEnd().split('\n')).toHaveLength(1);
    expect(cut.reason).toBe('scan_budget');
    expect(cut.scanned).toBeGreaterThanOrEqual(50_000);
    expect(cut.scanned).toBeLessThan(70_000);
    const next = new URL(cut.next, viewer.url);
    expect(next.pathname).toBe('/export');
    expect(next.searchParams.get('q')).toBe('no-such-text');
    expect(next.searchParams.get('format')).toBe('ndjson');
    // Following it reads the next stretch of the log, older than the first.
    const second = incomplete(await (await fetch(next)).text())!;
    expect(Number(new URL(second.next, viewer.url).searchParams.get('before'))).toBeLessThan(
      Number(next.searchParams.get('before')),
    );
    const csv = await (await fetch(`${viewer.url}/export?q=no-such-text&format=csv`)).text();
    expect(csv.split('\r\n').slice(0, -1).at(-1)).toMatch(
      /^# export incomplete \(scan_budget\) after \d+ events read; the rest: \/export\?.*format=csv$/,
    );

    // Event budget: 1,234 events, then the line; the rest starts with the 1,235th newest, none lost or repeated.
    const lines = (await (await fetch(`${viewer.url}/export`)).text()).trimEnd().split('\n');
    expect(lines).toHaveLength(1_235);
    const rest = incomplete(lines.join('\n'))!;
    expect(rest.reason).toBe('max_events');
    const after = (await (await fetch(new URL(rest.next, viewer.url))).text()).trimEnd().split('\n').slice(0, -1);
    const newest = await redis.redis.zrevrange(redisKeys(redis.prefix).eventLog, 0, 2 * 1_234 - 1);
    expect([...lines.slice(0, -1), ...after]).toEqual(newest);

    // Time budget, a client's pause included: a client that stops reading for longer gets the line when it reads on.
    const timed = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, EXPORT_MAX_MS: '1000' });
    onTestFinished(() => timed.stop());
    const slow = await rawExport(timed.url, '/export');
    await waitFor(async () => slow.received() > 0, 10_000, 'the export starting');
    slow.socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    slow.socket.resume();
    await slow.closed;
    expect(slow.text()).toMatch(/\{"export_incomplete":\{"reason":"time_budget"/);
    expect(await counter(viewer.url, 'exports_ended_total', 'outcome="scan_budget"')).toBe(3);
  });

  it('cuts off a client that takes nothing for EXPORT_STALL_MS, and its slot serves the next', {
    timeout: 60_000,
  }, async () => {
    const viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      EXPORTS_IN_FLIGHT: '1',
      EXPORT_STALL_MS: '1000',
    });
    onTestFinished(() => viewer.stop());
    const stalled = await rawExport(viewer.url, '/export');
    await waitFor(async () => stalled.received() > 0, 10_000, 'the export starting');
    stalled.socket.pause();
    expect((await fetch(`${viewer.url}/export`)).status).toBe(429);
    // What a stalled export holds is its socket's buffers and one page (500 events), for EXPORT_STALL_MS at most.
    await waitFor(
      async () => (await counter(viewer.url, 'exports_ended_total', 'outcome="stalled"')) === 1,
      10_000,
      'the cut',
    );
    expect(await metricValue(viewer.url, 'export_events_total')).toBeLessThan(LOG_EVENTS / 2);
    expect((await fetch(`${viewer.url}/export?q=no-such-text`)).status).toBe(200);
  });
});
