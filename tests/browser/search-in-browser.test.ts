import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { redisKeys } from '@eventstreamapp/event-schema';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { launchChromium } from '../support/browser.js';
import { type TestRedis, testRedis } from '../support/redis.js';

const LOG_EVENTS = 5_000;
const BASE = Date.UTC(2026, 10, 1);

/** Search and export in Debian's Chromium, over a log five times the scan budget of one page. */
describe('searching and exporting from the page in a real browser', () => {
  let redis: TestRedis;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  let browser: Browser;
  const oldest = randomUUID();
  const refunds: string[] = [];

  beforeAll(async () => {
    redis = testRedis('browser-search');
    const args: (string | number)[] = [];
    for (let i = 0; i < LOG_EVENTS; i++) {
      const refund = i >= LOG_EVENTS - 700 && i % 100 === 0;
      const event = {
        event_id: i === 0 ? oldest : randomUUID(),
        user_id: `u${i % 20}`,
        timestamp: BASE + i * 1_000,
        action: refund ? 'refund' : 'view',
        payload: { item_id: i === 0 ? 'item-220' : `item-${i % 200}` },
      };
      if (refund) refunds.unshift(event.event_id);
      args.push(event.timestamp, JSON.stringify(event));
    }
    await redis.redis.zadd(redisKeys(redis.prefix).eventLog, ...args);
    // Each page reads exactly its 1,000 events: the time budget is left out of this count.
    viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, FILTER_SCAN_MAX: '1000', FILTER_MAX_MS: '60000' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await redis?.close();
  });

  it('finds the oldest event by a payload field, following the search from page to page', async () => {
    const page = await browser.newPage();
    await page.goto(`${viewer.url}/events`);
    await page.locator('#filters input[name="where"]').fill('payload.item_id=item-220');
    await page.locator('#filters button[type="submit"]').click();
    await page.waitForURL(/where=payload.item_id%3Ditem-220/);
    let pages = 1;
    while ((await page.locator(`#events tr[data-event-id="${oldest}"]`).count()) === 0) {
      expect(await page.locator('#scan').textContent()).toMatch(
        /^Searched 1000 events back to .+; older events continue the search\.$/,
      );
      await page.locator('a[rel="next"]').click();
      await page.waitForLoadState();
      pages++;
      expect(pages).toBeLessThanOrEqual(LOG_EVENTS / 1_000);
    }
    expect(pages).toBe(LOG_EVENTS / 1_000);
    expect(await page.locator('#events tbody tr').count()).toBe(1);
    // The page that found it read back to the oldest event of the log.
    expect(await page.locator('#scan').textContent()).toMatch(/^Searched 1000 events back to 2026-11-01 00:00:00 UTC/);
  });

  it('downloads exactly the events the page lists for a filter, as NDJSON and as CSV', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${viewer.url}/events?action=refund`);
    const listed = await page
      .locator('#events tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
    expect(listed).toEqual(refunds);
    for (const [format, ids] of [
      [
        'NDJSON',
        (text: string) =>
          text
            .trim()
            .split('\n')
            .map((line) => (JSON.parse(line) as { event_id: string }).event_id),
      ],
      [
        'CSV',
        (text: string) =>
          text
            .trim()
            .split('\r\n')
            .slice(1)
            .map((line) => line.split(',')[3]),
      ],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#export a', { hasText: format }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^events-.+\\.${format.toLowerCase()}$`));
      expect(ids(readFileSync((await download.path())!, 'utf8')), format).toEqual(listed);
    }
    await context.close();
  });
});
