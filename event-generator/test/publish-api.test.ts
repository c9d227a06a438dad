import { parseEventRecord } from '@eventstreamapp/event-schema';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecords, createTestTopics, readTopic, type TestTopics } from '../../tests/support/kafka.js';
import { startGenerator, waitFor } from './helpers.js';

/** The record of one event in a topic, wherever it is among the others. */
async function findRecord(topic: string, eventId: string) {
  const records = await readTopic(topic, await countRecords(topic));
  return records.find(
    (r) =>
      parseEventRecord(r.value).ok && (JSON.parse(r.value!.toString()) as { event_id: string }).event_id === eventId,
  );
}

describe('POST /publish against a real broker', () => {
  let topics: TestTopics;
  let app: Awaited<ReturnType<typeof startGenerator>>;

  beforeAll(async () => {
    topics = await createTestTopics('publish-api');
    app = await startGenerator({ KAFKA_TOPIC: topics.events, MAX_BULK_EVENTS: '5', MAX_BODY_BYTES: '200000' });
    await waitFor(async () => (await request(app.url).get('/readyz')).status === 200, 20_000, 'readiness');
  });

  afterAll(async () => {
    await app?.stop();
    await topics?.remove();
  });

  it('answers 202 with the stored event, and that exact JSON is the Kafka record keyed by user', async () => {
    const res = await request(app.url)
      .post('/publish')
      .send({ user_id: 'api-user', action: 'login', payload: { a: 1 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ user_id: 'api-user', action: 'login', payload: { a: 1 } });
    expect(res.body.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof res.body.timestamp).toBe('number');
    const record = await findRecord(topics.events, res.body.event_id);
    expect(record?.key?.toString()).toBe('api-user');
    expect(record?.value?.toString()).toBe(res.text);
    expect(parseEventRecord(record?.value).ok).toBe(true);
  });

  it('answers an array with an array in the same order', async () => {
    const res = await request(app.url)
      .post('/publish')
      .send([{ user_id: 'b1' }, { user_id: 'b2' }, { user_id: 7 }]);
    expect(res.status).toBe(202);
    expect(res.body.map((e: { user_id: string }) => e.user_id)).toEqual(['b1', 'b2', '7']);
  });

  it('refuses a whole array when one element is invalid, naming its index', async () => {
    const res = await request(app.url)
      .post('/publish')
      .send([{ user_id: 'ok' }, { user_id: 'has space' }]);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_event', index: 1, field: 'user_id' });
  });

  it.each([
    ['malformed JSON', '{"user_id": ', 'application/json', 400, 'malformed_json'],
    ['an empty body', '', 'application/json', 400, 'malformed_json'],
    ['a JSON string', '"hello"', 'application/json', 400, 'invalid_event'],
    ['null', 'null', 'application/json', 400, 'invalid_event'],
    ['an empty array', '[]', 'application/json', 400, 'invalid_event'],
    ['a bad timestamp', '{"timestamp":"soon"}', 'application/json', 400, 'invalid_event'],
    ['a __proto__ key', '{"__proto__":{"x":1}}', 'application/json', 400, 'invalid_event'],
    ['text/plain', '{}', 'text/plain', 415, 'unsupported_media_type'],
    ['a form', 'a=1', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    [
      'too many events',
      JSON.stringify(Array.from({ length: 6 }, () => ({}))),
      'application/json',
      413,
      'too_many_events',
    ],
    [
      'an event over 64 KiB',
      JSON.stringify({ blob: 'x'.repeat(70_000) }),
      'application/json',
      413,
      'payload_too_large',
    ],
    [
      'a body over the limit',
      JSON.stringify({ blob: 'x'.repeat(300_000) }),
      'application/json',
      413,
      'payload_too_large',
    ],
  ])('answers %s with a JSON error', async (_name, body, type, status, code) => {
    const res = await request(app.url).post('/publish').set('content-type', type).send(body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('refuses a body that is not UTF-8', async () => {
    // fetch, because supertest would serialize a Buffer as JSON
    const res = await fetch(`${app.url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
  });

  it('accepts application/json with a charset and +json types', async () => {
    const a = await request(app.url)
      .post('/publish')
      .set('content-type', 'application/json; charset=utf-8')
      .send('{"user_id":"cs"}');
    const b = await request(app.url)
      .post('/publish')
      .set('content-type', 'application/vnd.event+json')
      .send('{"user_id":"vnd"}');
    expect([a.status, b.status]).toEqual([202, 202]);
  });

  it('answers 404 for unknown routes and 405 naming the methods for other methods on a documented path', async () => {
    const missing = await request(app.url).get('/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const wrong = await request(app.url).get('/publish');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    // Found by Schemathesis: TRACE /readyz was a 404, as if the path did not exist.
    for (const path of ['/readyz', '/healthz', '/metrics', '/openapi.json', '/asyncapi.json']) {
      const res = await request(app.url).delete(path);
      expect([path, res.status, res.headers.allow, res.body.error.code]).toEqual([
        path,
        405,
        'GET, HEAD',
        'method_not_allowed',
      ]);
    }
  });

  it('serves its OpenAPI document and the topics’ AsyncAPI document', async () => {
    const openapi = await request(app.url).get('/openapi.json');
    expect(openapi.headers['content-type']).toMatch(/^application\/json/);
    expect(openapi.body.openapi).toBe('3.1.1');
    expect(Object.keys(openapi.body.paths)).toContain('/publish');
    expect(JSON.stringify(openapi.body.paths['/publish'].post.requestBody)).toContain('"maxItems":5');
    const asyncapi = await request(app.url).get('/asyncapi.json');
    expect(asyncapi.body.asyncapi).toBe('3.0.0');
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    await request(app.url).post('/publish').set('content-type', 'application/json').send('{');
    expect((await request(app.url).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(app.url).get('/readyz');
    expect(ready.body).toMatchObject({ status: 'ready', checks: [{ name: 'kafka', ok: true }] });
    const metrics = await request(app.url).get('/metrics');
    expect(metrics.text).toMatch(/events_published_total\{service="event-generator"\} \d+/);
    expect(metrics.text).toMatch(/publish_errors_total\{code="malformed_json",service="event-generator"\} [1-9]/);
  });
});

describe('POST /publish with PUBLISH_API_KEY set', () => {
  let app: Awaited<ReturnType<typeof startGenerator>>;
  let topics: TestTopics;
  const key = 'k'.repeat(24);

  beforeAll(async () => {
    topics = await createTestTopics('publish-key');
    app = await startGenerator({ KAFKA_TOPIC: topics.events, PUBLISH_API_KEY: key });
  });
  afterAll(async () => {
    await app?.stop();
    await topics?.remove();
  });

  it('refuses requests without the key or with a wrong one, and accepts the right one', async () => {
    expect((await request(app.url).post('/publish').send({})).status).toBe(401);
    expect(
      (
        await request(app.url)
          .post('/publish')
          .set('authorization', `Bearer ${'x'.repeat(24)}`)
          .send({})
      ).status,
    ).toBe(401);
    const ok = await request(app.url).post('/publish').set('authorization', `Bearer ${key}`).send({ user_id: 'keyed' });
    expect(ok.status).toBe(202);
  });

  it('reads the scheme in any letter case (RFC 9110 §11.1), and the key exactly', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await request(app.url)
        .post('/publish')
        .set('authorization', `${scheme} ${key}`)
        .send({ user_id: 'keyed' });
      expect(res.status, scheme).toBe(202);
    }
    for (const header of [`Bearer ${key.toUpperCase()}`, `Basic ${key}`, `Bearer ${key} extra`]) {
      expect((await request(app.url).post('/publish').set('authorization', header).send({})).status, header).toBe(401);
    }
  });
});

describe('POST /publish while Kafka is unreachable', () => {
  it('answers 503 with Retry-After within the publish timeout, and /readyz says not ready', async () => {
    const publishTimeoutMs = 1_500;
    const app = await startGenerator({
      KAFKA_BROKERS: '127.0.0.1:1',
      PUBLISH_TIMEOUT_MS: String(publishTimeoutMs),
      RETRY_AFTER_SECONDS: '3',
    });
    try {
      const started = Date.now();
      const res = await request(app.url).post('/publish').send({ user_id: 'lost' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('3');
      expect(res.body.error.code).toBe('kafka_unavailable');
      // The publish timeout, and the request's own time.
      expect(Date.now() - started).toBeLessThan(publishTimeoutMs + 1_000);
      expect((await request(app.url).get('/readyz')).status).toBe(503);
    } finally {
      await app.stop();
    }
  });
});
