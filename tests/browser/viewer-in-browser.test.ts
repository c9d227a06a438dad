import { mkdirSync } from 'node:fs';
import { createKafka, createLogger } from '@eventstreamapp/service-kit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig as loadConsumerConfig } from '../../event-consumer/src/config.js';
import { createEventConsumer } from '../../event-consumer/src/event-consumer.js';
import { createRedis } from '../../event-consumer/src/redis-client.js';
import { startGenerator } from '../../event-generator/test/helpers.js';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { launchChromium } from '../support/browser.js';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';
import { type TestRedis, testRedis } from '../support/redis.js';

const ARTIFACTS = `${REPO_ROOT}test-artifacts`;

describe('the event page in a real browser, fed by the whole pipeline', () => {
  let topics: TestTopics;
  let redis: TestRedis;
  let generator: Awaited<ReturnType<typeof startGenerator>>;
  let consumer: ReturnType<typeof createEventConsumer>;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  let browser: Browser;

  async function publish(body: unknown): Promise<{ event_id: string }> {
    const res = await fetch(`${generator.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { event_id: string };
  }

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
    });
    const logger = createLogger('event-consumer', 'silent');
    consumer = createEventConsumer({
      config,
      logger,
      kafka: createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'browser-test', logger }),
      redis: createRedis(config.REDIS_URL, 'browser-test'),
    });
    await consumer.start();
    viewer = await startViewer({ REDIS_KEY_PREFIX: redis.prefix });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await consumer?.stop();
    await generator?.stop();
    await topics?.remove();
    await redis?.close();
  });

  it('shows a published event without a reload, and XSS payloads only as text', async () => {
    const first = await publish({ user_id: 'browser-alice', action: 'opened the page' });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    // The first event may still be on its way through Kafka: reload until it is stored.
    for (let i = 0; i < 50; i++) {
      const response = await page.goto(`${viewer.url}/events`);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      if (await page.locator(`tr[data-event-id="${first.event_id}"]`).count()) break;
      await page.waitForTimeout(200);
    }
    await expect.poll(() => page.locator('#live-state').textContent(), { timeout: 10_000 }).toBe('on');
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same page';
    });

    const live = await publish({ user_id: 'browser-bob', action: 'arrived live', payload: { n: 1 } });
    await page.locator(`tr[data-event-id="${live.event_id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');

    const xss = await publish({
      user_id: 'browser-mallory',
      action: '<script>alert("action")</script>',
      payload: { a: '"><img src=x onerror="window.__xss=1;alert(1)">', b: 'javascript:alert(2)', c: '<svg onload=alert(3)>' },
    });
    const xssRow = page.locator(`tr[data-event-id="${xss.event_id}"]`);
    await xssRow.waitFor({ timeout: 15_000 });
    expect(await xssRow.locator('td').nth(2).textContent()).toBe('<script>alert("action")</script>');
    expect(await xssRow.locator('code').textContent()).toContain('<img src=x onerror=');
    expect(await xssRow.locator('img, script, svg').count()).toBe(0);
    expect(await page.locator('#shown').textContent()).toBe(String(await page.locator('#events tbody tr').count()));

    // The same payloads rendered by the server (not the live script) after a reload.
    await page.reload();
    const served = page.locator(`tr[data-event-id="${xss.event_id}"]`);
    expect(await served.locator('td').nth(2).textContent()).toBe('<script>alert("action")</script>');
    expect(await served.locator('img, script, svg').count()).toBe(0);
    expect(await page.locator('#rate-chart rect').count()).toBeGreaterThan(0);

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}/viewer-events.png`, fullPage: true });
    await page.close();
  });
});
