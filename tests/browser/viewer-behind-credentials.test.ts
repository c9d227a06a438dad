import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPasswordLine } from '../../event-viewer/src/http/users-file.js';
import { startViewer, store } from '../../event-viewer/test/helpers.js';
import { getRoutes } from '../support/app-routes.js';
import { launchChromium } from '../support/browser.js';
import { makeEvents } from '../support/events.js';
import { type TestRedis, testRedis } from '../support/redis.js';

describe('the viewer behind HTTP Basic, in a real browser', () => {
  let redis: TestRedis;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  let browser: Browser;
  const credentials = { username: 'operator', password: 'a long passphrase' };

  beforeAll(async () => {
    redis = testRedis('browser-auth');
    const users = join(mkdtempSync(join(tmpdir(), 'viewer-users-')), 'users');
    writeFileSync(users, `${await hashPasswordLine(credentials.username, credentials.password)}\n`);
    viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, VIEWER_USERS_FILE: users });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await redis?.close();
  });

  it('shows nothing without credentials', async () => {
    const [secret] = makeEvents(1, 1).map((e) => ({ ...e, event: { ...e.event, user_id: 'secret-user' } }));
    secret!.json = JSON.stringify(secret!.event);
    await store(redis, [secret!]);
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless Chromium has no sign-in dialog to show: the navigation fails on the challenge.
    await expect(page.goto(`${viewer.url}/events`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    // Every route the app's router holds (a new one cannot be forgotten), a filter, and /metrics (served
    // beside the router); none answers without credentials, nor says a word of the events.
    const routes = getRoutes(viewer.viewer.app, 'secret-user');
    expect(routes).toEqual(
      expect.arrayContaining(['/', '/events', '/events/secret-user', '/live', '/dlq', '/status', '/assets/live.js']),
    );
    // The OpenAPI document is open, like the probes: it describes the routes and holds no event.
    const closed = routes.filter((path) => path !== '/openapi.json');
    for (const path of [...closed, '/events?user_id=secret-user', '/metrics']) {
      const response = await context.request.get(`${viewer.url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status(), path).toBe(401);
      expect(response.headers()['www-authenticate'], path).toMatch(/^Basic realm="EventStreamApp"/);
      expect(await response.text(), path).not.toContain('secret-user');
    }
    // And the requests that change something: refused before their body is read.
    for (const path of ['/dlq/replay', '/dlq/replay/sample/confirm']) {
      const response = await context.request.post(`${viewer.url}${path}`, {
        form: { partition: '0' },
        headers: { accept: 'application/json' },
      });
      expect(response.status(), path).toBe(401);
    }
    // The probes stay open, for orchestrators, and the contract, for clients' generators.
    for (const open of ['/healthz', '/readyz', '/openapi.json']) {
      const response = await context.request.get(`${viewer.url}${open}`);
      expect(response.status(), open).toBe(200);
      expect(await response.text(), open).not.toContain('secret-user');
    }
    await context.close();
  });

  it('works once signed in: the page, its live rows and its filters', async () => {
    const context = await browser.newContext({ httpCredentials: credentials });
    const page = await context.newPage();
    const first = makeEvents(2, 2);
    await store(redis, first);
    const response = await page.goto(`${viewer.url}/events`);
    expect(response?.status()).toBe(200);
    await page.locator(`#events tr[data-event-id="${first[0]!.event.event_id}"]`).waitFor();
    await expect.poll(() => page.locator('#live-state').textContent(), { timeout: 10_000 }).toBe('on');

    // The page's EventSource goes to the same origin, and the browser sends it the same credentials.
    const [live] = makeEvents(1, 1, Date.now() + 1_000).map((e) => ({
      ...e,
      event: { ...e.event, user_id: 'live-user' },
    }));
    live!.json = JSON.stringify(live!.event);
    await store(redis, [live!]);
    await page.locator(`#events tr[data-event-id="${live!.event.event_id}"]`).waitFor({ timeout: 10_000 });

    await page.locator('#filters input[name="user_id"]').fill('live-user');
    await page.locator('#filters button[type="submit"]').click();
    await page.waitForURL(/user_id=live-user/);
    expect(await page.locator('#events tbody tr').count()).toBe(1);
    await context.close();
  });
});
