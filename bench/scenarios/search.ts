import { storedEvent } from '../lib/events.js';
import { hammer, percentile } from '../lib/load.js';
import { benchRedis, deletePrefix, redisKeys, storeSteadily, writeLikeTheConsumer } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { runId, startService } from '../lib/stack.js';

const LOG_EVENTS = 100_000;
const FLOW_PER_SECOND = 1_000;
const SEARCHES_AT_ONCE = 8;

/**
 * Search and export over 100,000 stored events while 1,000 events/s are stored: each search answer's time
 * and reach (within FILTER_SCAN_MAX and FILTER_MAX_MS), the newest page beside eight searches at once, an
 * export's rate — and whether the writes kept their pace meanwhile.
 */
export const searchScenario: Scenario = async ({ connections, durationSeconds }) => {
  const prefix = `${runId('search')}:`;
  const redis = benchRedis();
  const base = Date.now() - LOG_EVENTS;
  await writeLikeTheConsumer(
    redis,
    redisKeys(prefix),
    Array.from({ length: LOG_EVENTS }, (_, i) => storedEvent(i, base)),
  );
  const viewer = await startService('event-viewer', { REDIS_KEY_PREFIX: prefix });
  const rows: Row[] = [];
  let errors = 0;
  const flowing = storeSteadily(redis, redisKeys(prefix), FLOW_PER_SECOND, (i) => storedEvent(LOG_EVENTS + i));
  const flowStarted = performance.now();
  try {
    // A search that matches nothing reads as far as its budget lets it: the worst case, answer after answer.
    const times: number[] = [];
    const reach: number[] = [];
    let next: string | undefined = '/events?q=no-such-text&limit=50';
    for (const until = performance.now() + durationSeconds * 1000; next && performance.now() < until; ) {
      const started = performance.now();
      const res: Response = await fetch(`${viewer.url}${next}`, { headers: { accept: 'application/json' } });
      await res.arrayBuffer();
      times.push(performance.now() - started);
      if (!res.ok) errors++;
      reach.push(Number(res.headers.get('x-scanned-events')));
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    times.sort((a, b) => a - b);
    rows.push(
      {
        scenario: 'search',
        measure: 'search answer p50 (matching nothing)',
        value: percentile(times, 50),
        unit: 'ms',
        note: `${times.length} answers`,
      },
      {
        scenario: 'search',
        measure: 'search answer max',
        value: times.at(-1) ?? 0,
        unit: 'ms',
        note: 'budget FILTER_MAX_MS 500 + one slice',
      },
      {
        scenario: 'search',
        measure: 'events read per search answer (mean)',
        value: reach.reduce((a, b) => a + b, 0) / Math.max(1, reach.length),
        unit: 'events',
        note: 'FILTER_SCAN_MAX 10000',
      },
    );

    // The newest page while eight searches run at once, over and over.
    let searching = true;
    const searchers = Array.from({ length: SEARCHES_AT_ONCE }, async () => {
      while (searching) {
        const res = await fetch(`${viewer.url}/events?q=no-such-text`, { headers: { accept: 'application/json' } });
        await res.arrayBuffer();
      }
    });
    const beside = await hammer({
      url: `${viewer.url}/events?limit=50`,
      headers: { accept: 'application/json' },
      connections,
      durationSeconds,
    });
    searching = false;
    await Promise.all(searchers);
    errors += beside.errors + beside.non2xx;
    rows.push({
      scenario: 'search',
      measure: `newest page beside ${SEARCHES_AT_ONCE} searches`,
      value: beside.requestsPerSecond,
      unit: 'req/s',
      note: `p99 ${beside.p99Ms} ms`,
    });

    // An export of the whole log as NDJSON, read as fast as the client can.
    const started = performance.now();
    const res = await fetch(`${viewer.url}/export`);
    const bytes = (await res.arrayBuffer()).byteLength;
    const seconds = (performance.now() - started) / 1000;
    if (!res.ok) errors++;
    const exported = Number(res.headers.get('x-export-max-events'));
    rows.push({
      scenario: 'search',
      measure: 'export NDJSON',
      value: Math.min(exported, LOG_EVENTS) / seconds,
      unit: 'events/s',
      note: `${(bytes / 1e6 / seconds).toFixed(1)} MB/s`,
    });
  } finally {
    const stored = await flowing.stop();
    const flowSeconds = (performance.now() - flowStarted) / 1000;
    rows.push({
      scenario: 'search',
      measure: 'events stored meanwhile, per second',
      value: stored / flowSeconds,
      unit: 'events/s',
      note: `asked ${FLOW_PER_SECOND}/s`,
    });
    await viewer.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  return { parameters: { connections, durationSeconds, storedEvents: LOG_EVENTS, flowPerSecond: FLOW_PER_SECOND }, errors, rows };
};
