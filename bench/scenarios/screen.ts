import { launchChromium } from '../../tests/support/browser.js';
import { clientEvent } from '../lib/events.js';
import { atFixedRate, createRefusals, percentile, postJson } from '../lib/load.js';
import type { Row, Scenario } from '../lib/report.js';
import { scrapeMetrics } from '../lib/service-metrics.js';
import { startPipeline, startService } from '../lib/stack.js';

declare global {
  interface Window {
    rowSeenAt: Record<string, number>;
  }
}

/**
 * Time to screen: from sending POST /publish to the event's row in a real Chromium page, arrived
 * over the live feed (generator → Kafka → consumer → Redis stream → viewer → SSE → DOM). Both ends
 * read the same wall clock (performance.timeOrigin + performance.now()) on this machine.
 */
export const screenScenario: Scenario = async ({ quick }) => {
  const rates = quick ? [100] : [100, 500, 1_000];
  const durationSeconds = quick ? 2 : 10;
  const pipeline = await startPipeline('screen');
  const { generator } = pipeline;
  const viewer = await startService('event-viewer', { REDIS_KEY_PREFIX: pipeline.prefix });
  const browser = await launchChromium();
  const rows: Row[] = [];
  let errors = 0;
  try {
    const page = await browser.newPage();
    await page.goto(`${viewer.url}/events`);
    await page.waitForFunction(() => document.getElementById('live-state')?.textContent === 'on', undefined, {
      timeout: 30_000,
    });
    await page.evaluate(() => {
      window.rowSeenAt = {};
      new MutationObserver((mutations) => {
        const now = performance.timeOrigin + performance.now();
        for (const mutation of mutations) {
          for (const node of mutation.addedNodes) {
            const id = (node as HTMLElement).dataset?.eventId;
            if (id && window.rowSeenAt[id] === undefined) window.rowSeenAt[id] = now;
          }
        }
      }).observe(document.querySelector('#events tbody')!, { childList: true });
    });
    for (const rate of rates) {
      const sentAt = new Map<string, number>();
      const refused = createRefusals();
      await atFixedRate(rate, durationSeconds, async (i) => {
        const sent = performance.timeOrigin + performance.now();
        const res = await postJson(`${generator.url}/publish`, JSON.stringify(clientEvent(i)));
        if (res.status !== 202) {
          refused.add(res);
          return;
        }
        sentAt.set((JSON.parse(res.text) as { event_id: string }).event_id, sent);
      });
      const deadline = Date.now() + 30_000;
      let seen: Record<string, number> = {};
      while (Date.now() < deadline) {
        seen = await page.evaluate(() => window.rowSeenAt);
        if ([...sentAt.keys()].every((k) => seen[k] !== undefined)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const viewerMetric = await scrapeMetrics(viewer.url);
      const latencies = [...sentAt].filter(([k]) => seen[k] !== undefined).map(([k, sent]) => seen[k]! - sent);
      latencies.sort((a, b) => a - b);
      const missing = sentAt.size - latencies.length;
      errors += refused.total + missing;
      rows.push(
        {
          scenario: 'screen',
          measure: `POST sent → row in Chromium, at ${rate}/s`,
          value: percentile(latencies, 50),
          unit: 'ms p50',
          note: `${latencies.length} events`,
        },
        { scenario: 'screen', measure: `same at ${rate}/s, p99`, value: percentile(latencies, 99), unit: 'ms p99' },
        {
          scenario: 'screen',
          measure: `same at ${rate}/s, max`,
          value: latencies.at(-1) ?? Number.NaN,
          unit: 'ms max',
        },
        {
          scenario: 'screen',
          measure: `errors + never shown at ${rate}/s`,
          value: refused.total + missing,
          unit: 'count',
          note: `not 202: ${refused}; so far the page was dropped as too slow \
${viewerMetric('live_clients_dropped_total')} times, told of a gap ${viewerMetric('live_stream_gaps_total')}`,
        },
      );
    }
    await page.close();
    return { parameters: { rates, durationSeconds, pageRows: 50 }, errors, rows };
  } finally {
    await browser.close();
    await viewer.stop();
    await pipeline.stop();
  }
};
