import { storedEvent } from '../lib/events.js';
import { hammer, percentile } from '../lib/load.js';
import { benchRedis, deletePrefix, redisKeys, storeSteadily, writeLikeTheConsumer } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { runId, startService } from '../lib/stack.js';

const LOG_EVENTS = 100_000;
const FLOW_PER_SECOND = 1_000;
const SEARCHES_AT_ONCE = 8;
/** #44, finding 1: the exports an anonymous client opened at once, each with a search that matches nothing. */
const EXPORTS_AT_ONCE = 300;

/**
 * Search and export over 100,000 stored events while 1,000 events/s are stored: each search answer's time
 * and reach (within FILTER_SCAN_MAX and FILTER_MAX_MS), the newest page beside eight searches at once, an
 * export's rate, the newest page alone and beside 300 exports that match nothing — and whether the writes
 * kept their pace meanwhile.
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
    rows.push(...(await searchAnswers(viewer.url, durationSeconds, (n) => (errors += n))));

    rows.push(await pagesBesideSearches(viewer.url, connections, durationSeconds, (n) => (errors += n)));

    rows.push(...(await pagesBesideExports(viewer.url, connections, durationSeconds, (n) => (errors += n))));

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
  return {
    parameters: { connections, durationSeconds, storedEvents: LOG_EVENTS, flowPerSecond: FLOW_PER_SECOND },
    errors,
    rows,
  };
};

/** A search that matches nothing reads as far as its budget lets it: the worst case, answer after answer. */
async function searchAnswers(url: string, durationSeconds: number, onErrors: (n: number) => void) {
  const times: number[] = [];
  const reach: number[] = [];
  let next: string | undefined = '/events?q=no-such-text&limit=50';
  for (const until = performance.now() + durationSeconds * 1000; next && performance.now() < until; ) {
    const started = performance.now();
    const res: Response = await fetch(`${url}${next}`, { headers: { accept: 'application/json' } });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (!res.ok) onErrors(1);
    reach.push(Number(res.headers.get('x-scanned-events')));
    next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  }
  times.sort((a, b) => a - b);
  return [
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
  ] satisfies Row[];
}

/** The newest page while eight searches run at once, over and over. */
async function pagesBesideSearches(
  url: string,
  connections: number,
  durationSeconds: number,
  onErrors: (n: number) => void,
) {
  let searching = true;
  const searchers = Array.from({ length: SEARCHES_AT_ONCE }, async () => {
    while (searching) {
      const res = await fetch(`${url}/events?q=no-such-text`, { headers: { accept: 'application/json' } });
      await res.arrayBuffer();
    }
  });
  const beside = await hammer({
    url: `${url}/events?limit=50`,
    headers: { accept: 'application/json' },
    connections,
    durationSeconds,
  });
  searching = false;
  await Promise.all(searchers);
  onErrors(beside.errors + beside.non2xx);
  return {
    scenario: 'search',
    measure: `newest page beside ${SEARCHES_AT_ONCE} searches`,
    value: beside.requestsPerSecond,
    unit: 'req/s',
    note: `p99 ${beside.p99Ms} ms`,
  } satisfies Row;
}

/**
 * The newest page alone, then beside EXPORTS_AT_ONCE clients each exporting a search that matches nothing
 * (a client refused with 429 waits its Retry-After and asks again): its p99 against its own figure alone,
 * and every 5xx of either counted as an error.
 */
async function pagesBesideExports(
  url: string,
  connections: number,
  durationSeconds: number,
  onErrors: (n: number) => void,
) {
  const page = { url: `${url}/events?limit=50`, headers: { accept: 'application/json' }, connections, durationSeconds };
  const alone = await hammer(page);
  let exporting = true;
  const answers = { ok: 0, refused: 0, failed: 0 };
  const exporters = Array.from({ length: EXPORTS_AT_ONCE }, async () => {
    while (exporting) {
      const res = await fetch(`${url}/export?q=no-such-text`).catch(() => undefined);
      await res?.arrayBuffer().catch(() => undefined);
      if (res?.status === 200) answers.ok++;
      else if (res?.status === 429) {
        answers.refused++;
        await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? 1) * 1000));
      } else answers.failed++;
    }
  });
  // The exporters' first wave is in before the pages are measured.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const beside = await hammer(page);
  exporting = false;
  await Promise.all(exporters);
  onErrors(alone.serverErrors + alone.errors + beside.serverErrors + beside.errors + answers.failed);
  const ratio = beside.p99Ms / Math.max(1, alone.p99Ms);
  return [
    {
      scenario: 'search',
      measure: 'newest page alone',
      value: alone.requestsPerSecond,
      unit: 'req/s',
      note: `p99 ${alone.p99Ms} ms`,
    },
    {
      scenario: 'search',
      measure: `newest page beside ${EXPORTS_AT_ONCE} exports matching nothing`,
      value: beside.requestsPerSecond,
      unit: 'req/s',
      note: `p99 ${beside.p99Ms} ms (${ratio.toFixed(2)}× alone), 5xx ${beside.serverErrors}`,
    },
    {
      scenario: 'search',
      measure: `exports answered beside the pages`,
      value: answers.ok,
      unit: 'exports',
      note: `429 ${answers.refused}, failed ${answers.failed}`,
    },
  ] satisfies Row[];
}
