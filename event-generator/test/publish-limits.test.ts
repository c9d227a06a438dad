import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { countRecords, withAdmin } from '../../tests/support/kafka.js';
import { generatorForTest, topicsForTest } from './helpers.js';

const generator = generatorForTest;

async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: () => JSON.parse(text) as Record<string, never> & { error?: Record<string, unknown> },
  };
}

/** `count` events whose JSON is about `bytes` long each. */
const events = (count: number, bytes: number, label: string) =>
  Array.from({ length: count }, (_, i) => ({
    user_id: `${label}-${i % 7}`,
    action: 'bulk',
    blob: 'x'.repeat(bytes - 100),
  }));

describe('POST /publish: what a client is told is what Kafka accepts', () => {
  it('accepts 1,000 events of about 1 KB (inside MAX_BODY_BYTES), sent to Kafka in requests it accepts', async () => {
    const topics = await topicsForTest('limits-bulk');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const body = JSON.stringify(events(1_000, 1_000, 'one'));
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const res = await post(app.url, body);
    expect(res.status, res.text).toBe(202);
    expect(await countRecords(topics.events)).toBe(1_000);
  });

  it('acknowledges two 500-event requests sent together and 100 small publishes around them, no 503', async () => {
    const topics = await topicsForTest('limits-merge');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const big = JSON.stringify(events(500, 1_000, 'big'));
    const small = Array.from({ length: 100 }, (_, i) => post(app.url, JSON.stringify({ user_id: `small-${i}` })));
    const results = await Promise.all([post(app.url, big), post(app.url, big), ...small]);
    expect(results.map((r) => r.status)).toEqual(Array(102).fill(202));
    expect(await countRecords(topics.events)).toBe(1_100);
  });

  it('lowers its event limit to what the topic accepts, telling the client the limit in force', async () => {
    const topics = await topicsForTest('limits-topic');
    await withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: topics.events, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }],
      }),
    );
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const tooLarge = await post(app.url, JSON.stringify({ user_id: 'big', blob: 'x'.repeat(25_000) }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json().error).toMatchObject({ code: 'payload_too_large' });
    expect(String(tooLarge.json().error?.message)).toMatch(/over the limit of 19\d\d\d/);
    // A bulk body of many events that each fit is split into requests the topic accepts.
    expect((await post(app.url, JSON.stringify(events(50, 1_000, 'fits')))).status).toBe(202);
  });

  it('answers 413 only to the request whose record Kafka refuses as too large, never to the others', async () => {
    const topics = await topicsForTest('limits-refused');
    const app = await generator({ KAFKA_TOPIC: topics.events, PUBLISH_LINGER_MS: '20' });
    // The topic shrinks after the generator read its limit: only Kafka can tell now.
    await withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: topics.events, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }],
      }),
    );
    const others = Array.from({ length: 20 }, (_, i) => post(app.url, JSON.stringify({ user_id: `other-${i}` })));
    const [refused, ...rest] = await Promise.all([
      post(app.url, JSON.stringify({ user_id: 'big', blob: 'x'.repeat(40_000) })),
      ...others,
    ]);
    expect(refused.status).toBe(413);
    expect(refused.json().error).toMatchObject({ code: 'payload_too_large' });
    expect(rest.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect((await post(app.url, JSON.stringify({ user_id: 'next' }))).status).toBe(202);
  });
});

describe('POST /publish: hostile or mistaken input, answered 4xx', () => {
  it('accepts gzip, deflate and br bodies; unknown encodings 415, undecodable bodies 400', async () => {
    const topics = await topicsForTest('limits-encoding');
    const app = await generator({ KAFKA_TOPIC: topics.events, MAX_BODY_BYTES: '100000' });
    const body = Buffer.from(JSON.stringify({ user_id: 'zipped', action: 'compressed' }));
    for (const [encoding, encoded] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
      ['identity', body],
    ] as const) {
      const res = await post(app.url, encoded, { 'content-encoding': encoding });
      expect(res.status, encoding).toBe(202);
      expect(res.json()).toMatchObject({ user_id: 'zipped' });
    }
    const unknown = await post(app.url, body, { 'content-encoding': 'compress' });
    expect(unknown.status).toBe(415);
    expect(unknown.json().error).toMatchObject({ code: 'unsupported_media_type' });
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const notEncoded = await post(app.url, body, { 'content-encoding': encoding });
      expect(notEncoded.status, encoding).toBe(400);
      expect(notEncoded.json().error).toMatchObject({ code: 'undecodable_body' });
    }
    // The limit applies to the decoded body: a small gzip of a large one is refused.
    const bomb = gzipSync(Buffer.from(`{"blob":"${'x'.repeat(500_000)}"}`));
    expect(bomb.length).toBeLessThan(10_000);
    expect((await post(app.url, bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it('refuses timestamps outside the window, impossible dates, lone surrogates, naming the field', async () => {
    const topics = await topicsForTest('limits-fields');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    for (const [body, field, pattern] of [
      [
        '{"timestamp": "9999-12-31T23:59:59Z"}',
        'timestamp',
        /outside the accepted window: from 2000-01-01T00:00:00.000Z to /,
      ],
      [`{"timestamp": ${Date.now() + 10 * 60_000}}`, 'timestamp', /outside the accepted window/],
      ['{"timestamp": 946684799999}', 'timestamp', /outside the accepted window/],
      ['{"timestamp": "2025-02-30T10:00:00Z"}', 'timestamp', /not a date on the calendar/],
      ['{"user_id": "a\\ud800"}', 'user_id', /lone surrogates/],
      ['{"user_id": "\\udc00a"}', 'user_id', /lone surrogates/],
    ] as const) {
      const res = await post(app.url, body);
      expect(res.status, body).toBe(400);
      expect(res.json().error, body).toMatchObject({ code: 'invalid_event', field });
      expect(String(res.json().error?.message), body).toMatch(pattern);
    }
    expect((await post(app.url, `{"timestamp": ${Date.now() + 60_000}}`)).status).toBe(202);
  });

  it('derives event_ids from an Idempotency-Key, the same on a retry, and refuses a malformed key', async () => {
    const topics = await topicsForTest('limits-idempotency');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const body = JSON.stringify([
      { user_id: 'retrying', n: 1 },
      { user_id: 'retrying', n: 2 },
    ]);
    const first = await post(app.url, body, { 'idempotency-key': 'order-4711' });
    const retry = await post(app.url, body, { 'idempotency-key': '"order-4711"' });
    const ids = (r: typeof first) => (JSON.parse(r.text) as { event_id: string }[]).map((e) => e.event_id);
    expect(first.status).toBe(202);
    expect(ids(retry)).toEqual(ids(first));
    expect(new Set(ids(first)).size).toBe(2);
    const other = await post(app.url, body, { 'idempotency-key': 'order-4712' });
    expect(ids(other)).not.toEqual(ids(first));
    const bad = await post(app.url, body, { 'idempotency-key': 'has spaces in it' });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_idempotency_key' });
  });
});

describe('POST /publish under PUBLISH_RATE_LIMIT', () => {
  /** A POST from a given loopback address, so two clients of one machine are two addresses. */
  function postFrom(url: string, localAddress: string, body: string) {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${url}/publish`,
          { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  }
  const bulk = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ user_id: 'flood', n: i })));

  it('counts events, answers 429 with Retry-After and RateLimit past the burst, other addresses apart', async () => {
    const topics = await topicsForTest('limits-rate');
    const app = await generator({ KAFKA_TOPIC: topics.events, PUBLISH_RATE_LIMIT: '10', PUBLISH_RATE_BURST: '100' });
    const first = await postFrom(app.url, '127.0.0.1', bulk(100));
    expect([first.status, first.headers['ratelimit-limit'], first.headers['ratelimit-remaining']]).toEqual([
      202,
      '100',
      '0',
    ]);
    const over = await postFrom(app.url, '127.0.0.1', bulk(1));
    expect(over.status).toBe(429);
    expect(JSON.parse(over.text)).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(over.headers['ratelimit-remaining']).toBe('0');
    // Another client is not held back by the first one's flood.
    expect((await postFrom(app.url, '127.0.0.2', bulk(50))).status).toBe(202);
    // A bulk larger than the burst can never pass: 413, not a 429 to retry for ever.
    const tooBig = await postFrom(app.url, '127.0.0.3', bulk(101));
    expect([tooBig.status, JSON.parse(tooBig.text).error.code]).toEqual([413, 'too_many_events']);
    expect(await countRecords(topics.events)).toBe(150);
  });
});
