import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvents } from '../../tests/support/events.js';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { type ServiceProcess, startServiceProcess } from '../../tests/support/service-process.js';
import { waitFor } from '../../tests/support/wait.js';
import { hashPasswordLine } from '../src/http/users-file.js';
import { store } from './helpers.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * Wrong passwords sent all at once, against the viewer as its own process: scrypt costs about 50 ms and
 * 16 MiB a check and runs on libuv's thread pool, which the pages' compression shares. Addresses come
 * from X-Forwarded-For (TRUST_PROXY=loopback), as from clients behind a proxy.
 */
describe('the viewer under a flood of sign-ins', () => {
  let redis: TestRedis;
  let viewer: ServiceProcess;
  let url: string;
  const TOKEN = 'metrics-scrape-token-0123456789';
  const ada = basic('ada', 'correct horse battery');

  beforeAll(async () => {
    redis = testRedis('sign-in-flood');
    await store(redis, makeEvents(200, 20));
    const users = join(mkdtempSync(join(tmpdir(), 'viewer-users-')), 'users');
    writeFileSync(users, `${await hashPasswordLine('ada', 'correct horse battery')}\n`);
    viewer = startServiceProcess('event-viewer', {
      REDIS_KEY_PREFIX: redis.prefix,
      VIEWER_USERS_FILE: users,
      VIEWER_TOKEN: TOKEN,
      TRUST_PROXY: 'loopback',
      AUTH_MAX_FAILURES_PER_MINUTE: '10',
      PAGE_CACHE_MS: '0',
    });
    url = await viewer.url();
  });
  afterAll(async () => {
    await viewer?.stop('SIGKILL');
    await redis?.close();
  });

  const get = (path: string, from: string, authorization: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers: { authorization, 'x-forwarded-for': from, ...headers } });

  it('keeps the probes open in the process, without credentials, and everything else closed', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Ready once its first Redis probe answered; open all the while.
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, '/readyz 200 without credentials');
    for (const path of ['/metrics', '/events', '/status', '/dlq'])
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
  });

  it('checks only AUTH_MAX_FAILURES_PER_MINUTE of 600 wrong passwords at once; the rest 429', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        get('/events', '10.9.0.1', basic('ada', `guess-${i}`)).then((r) => r.status),
      ),
    );
    const count = (status: number) => statuses.filter((s) => s === status).length;
    expect({ 401: count(401), 429: count(429) }).toEqual({ 401: 10, 429: 590 });
    // Its right password too, until the minute is over; another address is not concerned.
    expect((await get('/events', '10.9.0.1', ada)).status).toBe(429);
    expect((await get('/events', '10.9.0.2', ada)).status).toBe(200);
  });

  it('keeps a signed-in page and the Prometheus scrape answered while 300 addresses each try a password', async () => {
    const page = () => get('/events', '10.7.0.1', ada, { accept: 'text/html', 'accept-encoding': 'br, gzip' });
    const scrape = () => get('/metrics', '10.8.0.1', `Bearer ${TOKEN}`);
    // Signed in before the flood: their headers are verified and remembered.
    const before: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await page();
      expect([res.status, res.headers.get('content-encoding')]).toEqual([200, 'br']);
      await res.arrayBuffer();
      before.push(performance.now() - started);
    }
    expect((await scrape()).status).toBe(200);

    const flood = Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        get('/events', `10.8.${i >> 8}.${i & 255}`, basic('ada', `flood-${i}`)).then((r) => r.status),
      ),
    );
    const during: number[] = [];
    let scrapes = 0;
    let floodDone = false;
    void flood.finally(() => {
      floodDone = true;
    });
    while (!floodDone) {
      const started = performance.now();
      const res = await page();
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      during.push(performance.now() - started);
      if ((await scrape()).status === 200) scrapes++;
    }
    const statuses = await flood;
    const count = (status: number) => statuses.filter((s) => s === status).length;
    // One check at a time, 64 waiting: the rest are told to come back (429, Retry-After: 1), not queued.
    expect(count(401) + count(429)).toBe(300);
    expect(count(429)).toBeGreaterThan(0);
    expect(scrapes).toBe(during.length);
    console.log(
      `signed-in page, ms: before ${before.map(Math.round).join(' ')}; ` +
        `during the flood (${during.length}) max ${Math.round(Math.max(...during))}, ` +
        `median ${Math.round(during.sort((a, b) => a - b)[during.length >> 1]!)}; ` +
        `flood: ${count(401)} × 401, ${count(429)} × 429`,
    );
    // 12 s when every check ran at once (the thread pool taken by scrypt); a bound far from both.
    expect(Math.max(...during)).toBeLessThan(2_000);
  });
});
