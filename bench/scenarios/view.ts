import { get as httpGet } from 'node:http';
import { startCeilingServer } from '../lib/ceilings.js';
import { cpuRows, startCpuMeter } from '../lib/cpu.js';
import { storedEvent } from '../lib/events.js';
import { hammer } from '../lib/load.js';
import { benchRedis, deletePrefix, redisKeys, storeSteadily, writeLikeTheConsumer } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { redisProcess, runId, startService } from '../lib/stack.js';

/** Events stored per second during the second run of each format, as in real use (README goal: ≥ 0.7 of express). */
const FLOW_PER_SECOND = 1_000;

const FORMATS = [
  { name: 'JSON', accept: 'application/json', contentType: 'application/json; charset=utf-8' },
  { name: 'HTML', accept: 'text/html', contentType: 'text/html; charset=utf-8' },
] as const;

/** Headers each server writes for itself. */
const PER_CONNECTION = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'content-type',
]);

/**
 * express answering the viewer's page from memory: the same bytes on the wire, headers included (security
 * headers, Vary, Link), what the client parses.
 */
async function sameBytesCeiling(
  answer: Response,
  sample: string,
  format: (typeof FORMATS)[number],
  connections: number,
  durationSeconds: number,
) {
  const headers = Object.fromEntries([...answer.headers].filter(([name]) => !PER_CONNECTION.has(name)));
  const ceiling = await startCeilingServer('express', {
    status: 200,
    contentType: format.contentType,
    body: sample,
    headers,
  });
  try {
    const ceilingMeter = startCpuMeter([{ name: 'express', pid: ceiling.pid }]);
    const url = `${ceiling.url}/events?limit=50`;
    const same = await hammer({ url, headers: { accept: format.accept }, connections, durationSeconds });
    const ceilingCpu: Record<string, number> = ceilingMeter.stop();
    return { same, ceilingCpu };
  } finally {
    ceiling.stop();
  }
}

/**
 * GET /events?limit=50 over 10,000 stored events, JSON and HTML, against an express 5 handler
 * answering the same bytes (headers and body) from memory in the same run: the viewer's goal is 0.7 of
 * that — with no new events, and again while 1,000 events/s are stored.
 */
export const viewScenario: Scenario = async ({ connections, durationSeconds }) => {
  const prefix = `${runId('view')}:`;
  const redis = benchRedis();
  await writeLikeTheConsumer(
    redis,
    redisKeys(prefix),
    Array.from({ length: 10_000 }, (_, i) => storedEvent(i)),
  );
  const viewer = await startService('event-viewer', { REDIS_KEY_PREFIX: prefix });
  const rows: Row[] = [];
  let errors = 0;
  try {
    for (const format of FORMATS) {
      const url = `${viewer.url}/events?limit=50`;
      const answer = await fetch(url, { headers: { accept: format.accept } });
      const sample = await answer.text();
      const { same, ceilingCpu } = await sameBytesCeiling(answer, sample, format, connections, durationSeconds);
      const meter = startCpuMeter([{ name: 'event-viewer', pid: viewer.pid }, redisProcess()]);
      const result = await hammer({ url, headers: { accept: format.accept }, connections, durationSeconds });
      const cpu = meter.stop();
      errors += result.errors + result.non2xx;
      // The same page while 1,000 events/s are stored: each chunk (every 100 ms) forgets the kept pages.
      const flowing = storeSteadily(redis, redisKeys(prefix), FLOW_PER_SECOND, (i) => storedEvent(10_000 + i));
      const flowMeter = startCpuMeter([{ name: 'event-viewer', pid: viewer.pid }, redisProcess()]);
      const whileFlowing = await hammer({ url, headers: { accept: format.accept }, connections, durationSeconds });
      const flowCpu = flowMeter.stop();
      const flowed = await flowing.stop();
      errors += whileFlowing.errors + whileFlowing.non2xx;
      rows.push(
        {
          scenario: 'view',
          measure: `GET /events ${format.name}, limit 50`,
          value: result.requestsPerSecond,
          unit: 'req/s',
          note: `${result.requests} requests, ${sample.length} bytes`,
        },
        {
          scenario: 'view',
          measure: `GET /events ${format.name} latency p99`,
          value: result.p99Ms,
          unit: 'ms',
          note: `p50 ${result.p50Ms} ms`,
        },
        {
          scenario: 'view',
          measure: `ceiling: express answering the same ${format.name} bytes`,
          value: same.requestsPerSecond,
          unit: 'req/s',
          note: `p99 ${same.p99Ms} ms`,
        },
        {
          scenario: 'view',
          measure: `viewer ÷ express ceiling, ${format.name}`,
          value: result.requestsPerSecond / same.requestsPerSecond,
          unit: 'ratio',
        },
        {
          scenario: 'view',
          measure: `errors ${format.name} (connection + non-2xx)`,
          value: result.errors + result.non2xx,
          unit: 'count',
        },
        {
          scenario: 'view',
          measure: `GET /events ${format.name} while storing ${FLOW_PER_SECOND}/s`,
          value: whileFlowing.requestsPerSecond,
          unit: 'req/s',
          note: `p99 ${whileFlowing.p99Ms} ms, ${flowed} events stored meanwhile`,
        },
        {
          scenario: 'view',
          measure: `viewer while storing ÷ express ceiling, ${format.name}`,
          value: whileFlowing.requestsPerSecond / same.requestsPerSecond,
          unit: 'ratio',
        },
        ...cpuRows(
          'view',
          `GET /events ${format.name} while storing (per 1k requests)`,
          flowCpu,
          whileFlowing.requests,
        ),
        ...cpuRows('view', `GET /events ${format.name} (per 1k requests)`, cpu, result.requests),
        ...cpuRows('view', `ceiling express ${format.name} (per 1k requests)`, ceilingCpu, same.requests),
      );
    }
    const compression = await compressionRows(viewer, connections, durationSeconds);
    errors += compression.errors;
    rows.push(...compression.rows);
    return { parameters: { connections, durationSeconds, storedEvents: 10_000, limit: 50 }, errors, rows };
  } finally {
    await viewer.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
};

/** Bytes on the wire of one answer, as sent (fetch would decompress it). */
function wireBytes(url: string, headers: Record<string, string>): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity' }));
    }).on('error', reject);
  });
}

const ENCODINGS = [
  { name: 'identity', header: undefined },
  { name: 'gzip', header: 'gzip' },
  { name: 'br', header: 'gzip, deflate, br, zstd' },
] as const;

/**
 * Compression before (identity) and after (gzip, br): bytes and the viewer's CPU per request on the
 * kept newest page (compressed once) and on a filtered page, which is read and compressed per request.
 */
async function compressionRows(
  viewer: { url: string; pid: number | undefined },
  connections: number,
  durationSeconds: number,
) {
  const rows: Row[] = [];
  let errors = 0;
  const pages = [
    { name: 'newest HTML limit 50 (kept)', path: '/events?limit=50' },
    { name: 'filtered HTML limit 200 (per request)', path: '/events?limit=200&action=add_to_cart' },
  ];
  for (const page of pages) {
    for (const encoding of ENCODINGS) {
      const headers: Record<string, string> = {
        accept: 'text/html',
        ...(encoding.header ? { 'accept-encoding': encoding.header } : {}),
      };
      const url = `${viewer.url}${page.path}`;
      const sent = await wireBytes(url, headers);
      if (sent.encoding !== encoding.name)
        throw new Error(`view: asked for ${encoding.name}, the viewer sent ${sent.encoding}`);
      const meter = startCpuMeter([{ name: 'event-viewer', pid: viewer.pid }]);
      const result = await hammer({ url, headers, connections, durationSeconds: Math.min(durationSeconds, 10) });
      const cpu = meter.stop();
      errors += result.errors + result.non2xx;
      rows.push(
        {
          scenario: 'view',
          measure: `${page.name}, ${encoding.name}`,
          value: result.requestsPerSecond,
          unit: 'req/s',
          note: `${sent.bytes} bytes a page, p99 ${result.p99Ms} ms`,
        },
        ...cpuRows('view', `${page.name}, ${encoding.name} (per 1k requests)`, cpu, result.requests).filter((row) =>
          row.measure.endsWith('event-viewer'),
        ),
      );
    }
  }
  return { rows, errors };
}
