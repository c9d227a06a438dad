import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createKafka, createLogger, createRedisClient } from '@eventstreamapp/service-kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig as loadConsumerConfig } from '../../event-consumer/src/config.js';
import { consumerKafkaRetry, createEventConsumer } from '../../event-consumer/src/event-consumer.js';
import { startGenerator } from '../../event-generator/test/helpers.js';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { launchChromium } from '../support/browser.js';
import { createTestTopics, type TestTopics, testKafka } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { freePort } from '../support/wait.js';

const ARTIFACTS = `${REPO_ROOT}test-artifacts`;
const XSS = {
  action: '<script>alert("action")</script>',
  payload: {
    a: '"><img src=x onerror="window.__xss=1;alert(1)">',
    b: 'javascript:alert(2)',
    c: '<svg onload=alert(3)>',
  },
};

/**
 * The viewer in Debian's Chromium, fed by the whole pipeline (generator → Kafka → consumer → Redis →
 * viewer): live rows, reconnecting, pausing, filtering, expanding, per-user pages, jumping in time,
 * and XSS payloads inert wherever a value appears.
 */
describe('the event page in a real browser, fed by the whole pipeline', () => {
  let topics: TestTopics;
  let redis: TestRedis;
  let generator: Awaited<ReturnType<typeof startGenerator>>;
  let consumer: ReturnType<typeof createEventConsumer>;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  let viewerPort: number;
  let browser: Browser;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  async function publish(body: Record<string, unknown>): Promise<{ event_id: string; user_id: string }> {
    const res = await fetch(`${generator.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { event_id: string; user_id: string };
  }

  const row = (page: Page, eventId: string) => page.locator(`#events tr[data-event-id="${eventId}"]`);

  async function openPage(path: string, waitForEventId?: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    // An event may still be on its way through Kafka: reload until it is stored.
    for (let i = 0; i < 50; i++) {
      const response = await page.goto(`${viewer.url}${path}`);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      if (!waitForEventId || (await row(page, waitForEventId).count())) break;
      await page.waitForTimeout(200);
    }
    if (waitForEventId) await row(page, waitForEventId).waitFor({ timeout: 10_000 });
    return page;
  }

  const liveOn = (page: Page) =>
    expect.poll(() => page.locator('#live-state').textContent(), { timeout: 10_000 }).toBe('on');

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    topics = await createTestTopics('browser');
    redis = testRedis('browser');
    generator = await startGenerator({ KAFKA_TOPIC: topics.events });
    const config = loadConsumerConfig({
      KAFKA_BROKERS: inject('kafkaBrokers'),
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: redis.prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      // The most it allows: events a year ahead reach the page (the test of a far-future event below).
      TIMESTAMP_MAX_FUTURE_MS: String(365 * 86_400_000),
    });
    const logger = createLogger('event-consumer', 'silent');
    consumer = createEventConsumer({
      config,
      logger,
      kafka: createKafka({
        brokers: config.KAFKA_BROKERS,
        clientId: 'browser-test',
        logger,
        ...consumerKafkaRetry(config),
      }),
      redis: createRedisClient(config, {
        connectionName: 'browser-test',
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      }),
    });
    await consumer.start();
    viewerPort = await freePort();
    viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, PORT: String(viewerPort) });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await consumer?.stop();
    await generator?.stop();
    await topics?.remove();
    await redis?.close();
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('shows a published event without a reload, and XSS payloads only as text, in the row and expanded', async () => {
    const first = await publish({ user_id: 'browser-alice', action: 'opened the page' });
    const page = await openPage('/events', first.event_id);
    await liveOn(page);
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });

    const live = await publish({ user_id: 'browser-bob', action: 'arrived live', payload: { n: 1 } });
    await row(page, live.event_id).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');

    const xss = await publish({ user_id: 'browser-mallory', ...XSS });
    const xssRow = row(page, xss.event_id);
    await xssRow.waitFor({ timeout: 15_000 });
    expect(await xssRow.locator('td').nth(2).textContent()).toBe(XSS.action);
    // Expanded with the keyboard: the whole event, pretty-printed, still only text.
    await xssRow.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => xssRow.locator('details').getAttribute('open')).not.toBeNull();
    const pretty = await xssRow.locator('pre').textContent();
    expect(JSON.parse(pretty!)).toMatchObject({ event_id: xss.event_id, ...XSS });
    expect(pretty).toContain('\n  "action"');
    expect(await xssRow.locator('img, script, svg').count()).toBe(0);
    // Its journey: the Kafka record it was, when it was published and stored.
    expect(await xssRow.locator('.journey').textContent()).toMatch(
      /^partition \d+ · offset \d+ · published [\d:.]+ · stored [\d:.]+ · \d+ ms$/,
    );
    expect(await page.locator('#shown').textContent()).toBe(String(await page.locator('#events tbody tr').count()));

    // The same payloads rendered by the server (not the live path) after a reload.
    await page.reload();
    const served = row(page, xss.event_id);
    expect(await served.locator('td').nth(2).textContent()).toBe(XSS.action);
    expect(await served.locator('img, script, svg').count()).toBe(0);
    expect(await served.locator('.journey').count()).toBe(1);
    expect(await page.locator('#rate-chart rect').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: `${ARTIFACTS}/viewer-events.png`, fullPage: true });
    await page.close();
  });

  it('holds rows while paused and shows every one of them on resume', async () => {
    const anchor = await publish({ user_id: 'browser-pause', action: 'before pausing' });
    const page = await openPage('/events', anchor.event_id);
    await liveOn(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed')).toBe('true');
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await publish({ user_id: 'browser-pause', action: `while paused ${i}` }));
    await expect
      .poll(() => page.locator('#paused-count').textContent(), { timeout: 15_000 })
      .toBe('3 new while paused');
    for (const e of held) expect(await row(page, e.event_id).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    for (const e of held) expect(await row(page, e.event_id).count()).toBe(1);
    // Newest first.
    const ids = await page
      .locator('#events tbody tr')
      .evaluateAll((rows) => rows.slice(0, 3).map((r) => r.getAttribute('data-event-id')));
    expect(ids).toEqual(held.map((e) => e.event_id).reverse());
    await page.close();
  });

  it('reconnects after the viewer restarts and shows, once each, the events stored while it was away', async () => {
    const anchor = await publish({ user_id: 'browser-reconnect', action: 'before the restart' });
    const page = await openPage('/events', anchor.event_id);
    await liveOn(page);
    await viewer.stop();
    await expect.poll(() => page.locator('#live-state').textContent(), { timeout: 10_000 }).toBe('reconnecting…');
    const missed = [];
    for (let i = 0; i < 4; i++) missed.push(await publish({ user_id: 'browser-reconnect', action: `while away ${i}` }));
    viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix, PORT: String(viewerPort) });
    await liveOn(page);
    for (const e of missed) await row(page, e.event_id).waitFor({ timeout: 15_000 });
    for (const e of [anchor, ...missed]) expect(await row(page, e.event_id).count()).toBe(1);
    await page.close();
  });

  it('filters by user and action from the form, live rows included; a user’s page lists theirs', async () => {
    const carol = await publish({ user_id: 'browser-carol', action: 'filter-me' });
    await publish({ user_id: 'browser-dave', action: 'filter-me' });
    const page = await openPage('/events', carol.event_id);
    await page.locator('input[name="user_id"]').fill('browser-carol');
    await page.locator('input[name="user_id"]').press('Enter');
    await page.waitForURL(/user_id=browser-carol/);
    await liveOn(page);
    const users = () => page.locator('#events tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(await users())).toEqual(new Set(['browser-carol']));
    const other = await publish({ user_id: 'browser-dave', action: 'live elsewhere' });
    const mine = await publish({ user_id: 'browser-carol', action: 'live here' });
    await row(page, mine.event_id).waitFor({ timeout: 15_000 });
    expect(await row(page, other.event_id).count()).toBe(0);

    await page.goto(`${viewer.url}/events?action=${encodeURIComponent(XSS.action)}`);
    expect(await page.locator('#filters input[name="action"]').inputValue()).toBe(XSS.action);
    expect(await page.locator('script:not([src])').count()).toBe(0);

    await page.goto(`${viewer.url}/events/browser-carol`);
    expect(await page.locator('h1').textContent()).toContain('Events of browser-carol');
    expect(await row(page, carol.event_id).count()).toBe(1);
    expect(await row(page, mine.event_id).count()).toBe(1);
    await page.close();
  });

  it('jumps to the events before a time', async () => {
    // Three days ago: inside the default 7-day retention, so the log still has it.
    const at = new Date(Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const old = await publish({ user_id: 'browser-time', action: 'days ago', timestamp: at.toISOString() });
    const recent = await publish({ user_id: 'browser-time', action: 'now' });
    const page = await openPage('/events', recent.event_id);
    const jump = new Date(at.getTime() + 30 * 60_000).toISOString().slice(0, 19);
    await page.locator('input[name="before"]').fill(jump);
    await page.locator('#jump button').click();
    await page.waitForURL(new RegExp(`before=${jump.slice(0, 13)}%3A30`));
    await row(page, old.event_id).waitFor({ timeout: 15_000 });
    expect(await row(page, recent.event_id).count()).toBe(0);
    expect(await page.locator('h1').textContent()).toContain('Older events');
    await page.close();
  });

  it('is readable at a phone’s width: nothing wider than the screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${viewer.url}/events`);
    await page.locator('#events tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}/viewer-events-phone.png`, fullPage: false });
    await page.close();
  });

  // Last in the file: the year-9999 event then tops this test's newest page for good.
  it('keeps showing live rows after an event dated a year ahead; one dated 9999 never shows', async () => {
    const anchor = await publish({ user_id: 'browser-future', action: 'before the far future' });
    const page = await openPage('/events', anchor.event_id);
    await liveOn(page);
    const ahead = {
      event_id: randomUUID(),
      user_id: 'browser-future',
      action: 'a year ahead',
      timestamp: Date.now() + 364 * 86_400_000,
    };
    const y9999 = {
      event_id: randomUUID(),
      user_id: 'browser-future',
      action: 'from the year 9999',
      timestamp: 253_402_300_799_000,
    };
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: topics.events,
      messages: [ahead, y9999].map((e) => ({ key: e.user_id, value: JSON.stringify(e) })),
    });
    await producer.disconnect();
    await row(page, ahead.event_id).waitFor({ timeout: 15_000 });
    const after = [];
    for (let i = 0; i < 3; i++)
      after.push(await publish({ user_id: 'browser-future', action: `after the far future ${i}` }));
    for (const e of after) await row(page, e.event_id).waitFor({ timeout: 15_000 });
    // Past TIMESTAMP_MAX_FUTURE_MS: dead-lettered by the consumer, on no page.
    expect(await row(page, y9999.event_id).count()).toBe(0);
    await page.close();
  });
});
