import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { type ServiceProcess, spawnService } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const rssMiB = (p: ServiceProcess) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1]) / 1024;

/** Sends raw bytes with the given headers, optionally trickling them, and resolves with the status. */
function rawRequest(url: string, body: Buffer, headers: Record<string, string>, trickleMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
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
    generator = spawnService('event-generator', { KAFKA_TOPIC: topics.events, PORT: '0', HOST: '127.0.0.1' });
    viewer = spawnService('event-viewer', { REDIS_KEY_PREFIX: redis.prefix, PORT: '0', HOST: '127.0.0.1' });
    const g = await generator.waitForLog((l) => l.msg === 'event-generator listening');
    const v = await viewer.waitForLog((l) => l.msg === 'event-viewer listening');
    publishUrl = `${g.url as string}/publish`;
    viewerUrl = v.url as string;
    await waitFor(async () => (await fetch(`${g.url as string}/readyz`)).ok, 20_000, 'generator ready');
    await waitFor(async () => (await fetch(`${viewerUrl}/readyz`)).ok, 20_000, 'viewer ready');
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

  it('answers random objects with adversarial keys and values with 202 or 400', async () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'user_id', 'timestamp', 'event_id', ''), fc.string());
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.boolean(),
      fc.constantFrom('1e400', '<script>', '\u0000', '\ud800'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 8 }), async (entries) => {
        const body = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v === '1e400' ? '1e400' : JSON.stringify(v)}`).join(',')}}`;
        const res = await fetch(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        return res.status === 202 || res.status === 400;
      }),
      { numRuns: 150 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
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
    for (let i = 0; i < 10; i++) {
      const status = await rawRequest(publishUrl, huge, { 'content-type': 'application/json' }).catch(() => 413);
      expect(status).toBe(413);
    }
    expect(rssMiB(generator) - before).toBeLessThan(150);
    expect(generator.child.exitCode).toBeNull();
  });

  it('handles a slow body correctly while serving other requests meanwhile', async () => {
    let slowDone = false;
    const slow = rawRequest(publishUrl, Buffer.from('{"user_id":"slow-loris"}'), { 'content-type': 'application/json' }, 40).finally(() => {
      slowDone = true;
    });
    const quick = await fetch(publishUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user_id":"quick"}' });
    expect(quick.status).toBe(202);
    // The trickling body (about a second) did not hold up a request that arrived after it.
    expect(slowDone).toBe(false);
    expect(await slow).toBe(202);
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
