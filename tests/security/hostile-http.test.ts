import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.js';

const rssMiB = (p: ServiceProcess) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1]) / 1024;

/** Sends raw bytes with the given headers, optionally trickling them, and resolves with the status. */
function rawRequest(url: string, body: Buffer, headers: Record<string, string>, trickleMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    // The status counts as soon as it arrives: a server refusing a large body may close the
    // connection while the rest is still being sent, and that reset comes after its answer.
    const req = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      },
    );
    req.on('error', reject);
    if (trickleMs === 0) {
      req.end(body);
      return;
    }
    let i = 0;
    const timer = setInterval(() => {
      if (i >= body.length) {
        clearInterval(timer);
        req.end();
        return;
      }
      req.write(body.subarray(i, i + 1));
      i++;
    }, trickleMs);
  });
}

/** JSON that would set the fields the server fills in, were it merged into a prototype. */
const POLLUTION =
  '{"user_id": "polluted", "event_id": "00000000-0000-4000-8000-000000000000", "timestamp": 1, ' +
  '"source": "polluted", "polluted": true}';

/**
 * Publishes an empty event and returns the properties that came from anywhere but the server's own
 * code: with a clean prototype, user_id is generated (anon-…), event_id is fresh, and nothing else appears.
 */
async function serverPrototypeLeak(publishUrl: string): Promise<string[]> {
  const res = await fetch(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const event = (await res.json()) as Record<string, unknown>;
  const leaks: string[] = [];
  if (res.status !== 202) leaks.push(`status ${res.status}`);
  if (!/^anon-[0-9a-f]{12}$/.test(String(event.user_id))) leaks.push(`user_id ${String(event.user_id)}`);
  if (event.event_id === '00000000-0000-4000-8000-000000000000') leaks.push('event_id');
  for (const key of Object.keys(event)) if (!['event_id', 'user_id', 'timestamp'].includes(key)) leaks.push(key);
  return leaks;
}

/** Promise 3 of the README's Guarantees: hostile HTTP never gets a 5xx, never crashes a service. */
describe('hostile HTTP against real service processes', () => {
  let topics: TestTopics;
  let redis: TestRedis;
  let generator: ServiceProcess;
  let viewer: ServiceProcess;
  let publishUrl: string;
  let viewerUrl: string;

  beforeAll(async () => {
    topics = await createTestTopics('hostile');
    redis = testRedis('hostile');
    generator = startServiceProcess('event-generator', { KAFKA_TOPIC: topics.events });
    viewer = startServiceProcess('event-viewer', { REDIS_KEY_PREFIX: redis.prefix });
    publishUrl = `${await generator.ready()}/publish`;
    viewerUrl = await viewer.ready();
  });

  afterAll(async () => {
    await generator?.stop();
    await viewer?.stop();
    await topics?.remove();
    await redis?.close();
  });

  it('answers random JSON bodies with 202 or a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const res = await fetch(publishUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(value),
        });
        await res.arrayBuffer();
        return res.status === 202 || (res.status >= 400 && res.status < 500);
      }),
      { numRuns: 150 },
    );
  });

  it('answers random objects with adversarial keys and values with 202 or 400; its prototype stays clean', async () => {
    const key = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'user_id', 'timestamp', 'event_id', ''),
      fc.string(),
    );
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.boolean(),
      fc.constantFrom('1e400', '<script>', '\u0000', '\ud800', POLLUTION),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 8 }), async (entries) => {
        const raw = (v: unknown) => (v === '1e400' || v === POLLUTION ? v : JSON.stringify(v));
        const body = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${raw(v)}`).join(',')}}`;
        const res = await fetch(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        return res.status === 202 || res.status === 400;
      }),
      { numRuns: 150 },
    );
    // Every classic route to the prototype, aimed at the fields the server fills in itself.
    for (const body of [
      `{"__proto__": ${POLLUTION}}`,
      `{"constructor": {"prototype": ${POLLUTION}}}`,
      `[{"a": 1}, {"__proto__": ${POLLUTION}}]`,
      `{"payload": {"__proto__": ${POLLUTION}}}`,
    ]) {
      const res = await fetch(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
    }
    // Observed on the server: a polluted Object.prototype would show in the fields it fills in.
    expect(await serverPrototypeLeak(publishUrl)).toEqual([]);
  });

  it('would see a polluted server: the same probe against a generator started with a polluted prototype', async () => {
    const polluted = startServiceProcess('event-generator', {
      KAFKA_TOPIC: topics.events,
      // Non-enumerable, so that the libraries' own start-up survives it; a lookup still finds it.
      NODE_OPTIONS:
        '--import=data:text/javascript,' +
        "Object.defineProperty(Object.prototype,'user_id',{value:'polluted',configurable:true})",
    });
    try {
      expect(await serverPrototypeLeak(`${await polluted.ready()}/publish`)).not.toEqual([]);
    } finally {
      await polluted.stop();
    }
  });

  it('answers random bytes under random content types with a 4xx or 202, never a 5xx', async () => {
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
      'application/octet-stream',
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), contentType, async (bytes, type) => {
        const status = await rawRequest(publishUrl, Buffer.from(bytes), type ? { 'content-type': type } : {});
        return status === 202 || (status >= 400 && status < 500);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses deep nesting and 10 MB bodies with a 4xx, with memory staying bounded', async () => {
    const before = rssMiB(generator);
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(await rawRequest(publishUrl, Buffer.from(deep), { 'content-type': 'application/json' })).toBe(400);
    const deepSmall = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    expect(await rawRequest(publishUrl, Buffer.from(deepSmall), { 'content-type': 'application/json' })).toBe(400);
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const outcomes: (number | string)[] = [];
    for (let i = 0; i < 10; i++) {
      // A reset before any answer is possible (the server stops reading), never another status.
      outcomes.push(
        await rawRequest(publishUrl, huge, { 'content-type': 'application/json' }).catch(
          (err: NodeJS.ErrnoException) => err.code ?? 'error',
        ),
      );
    }
    expect(outcomes.filter((o) => o !== 413 && o !== 'ECONNRESET' && o !== 'EPIPE')).toEqual([]);
    expect(outcomes).toContain(413);
    expect(rssMiB(generator) - before).toBeLessThan(150);
    expect(generator.child.exitCode).toBeNull();
  });

  it('handles a slow body correctly while serving other requests meanwhile', async () => {
    let slowDone = false;
    const slow = rawRequest(
      publishUrl,
      Buffer.from('{"user_id":"slow-loris"}'),
      { 'content-type': 'application/json' },
      40,
    ).finally(() => {
      slowDone = true;
    });
    const quick = await fetch(publishUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user_id":"quick"}',
    });
    expect(quick.status).toBe(202);
    // The trickling body (about a second) did not hold up a request that arrived after it.
    expect(slowDone).toBe(false);
    expect(await slow).toBe(202);
  });

  it('answers malformed percent-encoding on every route of both services with a 4xx', async () => {
    const generatorUrl = publishUrl.replace('/publish', '');
    for (const base of [viewerUrl, generatorUrl]) {
      for (const path of [
        '/events/%E0%A4%A',
        '/events/%',
        '/events/%zz?limit=%',
        '/live?since=%',
        '/publish/%',
        '/%',
        '/assets/%c0',
      ]) {
        for (const accept of ['application/json', 'text/html']) {
          const res = await fetch(`${base}${path}`, { headers: { accept } });
          await res.arrayBuffer();
          expect(res.status, `${base}${path}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `${base}${path}`).toBeLessThan(500);
        }
      }
    }
    expect(viewer.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(generator.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('answers random bytes under any Content-Encoding with 202 or a 4xx, never a 5xx', async () => {
    const encoding = fc.constantFrom(
      'gzip',
      'deflate',
      'br',
      'zstd',
      'identity',
      'compress',
      'gzip, br',
      'x-bogus',
      'GZIP',
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), encoding, async (bytes, contentEncoding) => {
        const status = await rawRequest(publishUrl, Buffer.from(bytes), {
          'content-type': 'application/json',
          'content-encoding': contentEncoding,
        });
        return status === 202 || (status >= 400 && status < 500);
      }),
      { numRuns: 100 },
    );
  });

  it('answers random viewer paths and query parameters without a 5xx', async () => {
    const param = fc.oneof(
      fc.string(),
      fc.integer().map(String),
      fc.constantFrom('-1', '1e9', '99999999999999999999', 'NaN', '%00', '0x10', ' 5'),
    );
    await fc.assert(
      fc.asyncProperty(param, param, param, fc.string(), async (limit, before, skip, user) => {
        const query = new URLSearchParams({ limit, before, skip }).toString();
        for (const path of [`/events?${query}`, `/events/${encodeURIComponent(user || 'x')}?${query}`]) {
          for (const accept of ['application/json', 'text/html']) {
            const res = await fetch(`${viewerUrl}${path}`, { headers: { accept } });
            await res.arrayBuffer();
            if (res.status >= 500) return false;
          }
        }
        return true;
      }),
      { numRuns: 100 },
    );
    expect(viewer.child.exitCode).toBeNull();
  });
});
