import { Redis } from 'ioredis';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { countRecords, readTopic, uniqueName } from '../../tests/support/kafka.js';
import { generatorForTest, startGenerator, topicsForTest, waitFor } from './helpers.js';

const generator = generatorForTest;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed'),
    retryAfter: res.headers.get('retry-after'),
    body: JSON.parse(text) as never,
  };
}

/** The values of every record in the topic, as text. */
async function topicValues(topic: string): Promise<string[]> {
  return (await readTopic(topic, await countRecords(topic))).map((m) => m.value!.toString());
}

describe('POST /publish never answers 202 for an event that will not be stored', () => {
  it('refuses an Idempotency-Key reused with another body, across instances; none of it reaches Kafka', async () => {
    const topics = await topicsForTest('idem-key');
    const shared = { KAFKA_TOPIC: topics.events, REDIS_KEY_PREFIX: `${uniqueName('idem')}:` };
    const [a, b] = [await generator(shared), await generator(shared)];
    const key = { 'idempotency-key': 'K' };
    const first = await post(a.url, { user_id: 'idem-b' }, key);
    expect(first.status).toBe(202);
    expect(first.replayed).toBeNull();

    const other = await post(b.url, { user_id: 'idem-c', action: 'different-user' }, key);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });

    // The same body again, on either instance, is a replay: the same event_id, said so.
    const again = await post(b.url, { user_id: 'idem-b' }, key);
    expect(again.status).toBe(202);
    expect(again.replayed).toBe('true');
    expect((again.body as { event_id: string }).event_id).toBe((first.body as { event_id: string }).event_id);
    // Kafka holds the first event and its replay (sent again: the first send may have failed; stored once by
    // the consumer), and nothing of the refused body.
    const values = (await topicValues(topics.events)).map(
      (v) => JSON.parse(v) as { event_id: string; user_id: string },
    );
    expect(values.map((v) => [v.event_id, v.user_id])).toEqual([
      [(first.body as { event_id: string }).event_id, 'idem-b'],
      [(first.body as { event_id: string }).event_id, 'idem-b'],
    ]);
  });

  it('treats a bulk request under one key as one: one changed element refuses the whole retry', async () => {
    const topics = await topicsForTest('idem-bulk');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const key = { 'idempotency-key': 'bulk-1' };
    expect((await post(app.url, [{ user_id: 'bulk-a' }, { user_id: 'bulk-b' }], key)).status).toBe(202);
    const changed = await post(app.url, [{ user_id: 'bulk-a' }, { user_id: 'bulk-z' }], key);
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    const same = await post(app.url, [{ user_id: 'bulk-a' }, { user_id: 'bulk-b' }], key);
    expect([same.status, same.replayed]).toEqual([202, 'true']);
    // The first request and its replay; nothing of the changed one, not even its unchanged element.
    const published = (await topicValues(topics.events)).map((v) => (JSON.parse(v) as { user_id: string }).user_id);
    expect(published.sort()).toEqual(['bulk-a', 'bulk-a', 'bulk-b', 'bulk-b']);
  });

  it('refuses a client event_id reused with another body, naming the element; the same body is a replay', async () => {
    const topics = await topicsForTest('idem-id');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const id = '0b4f6a4e-1c7d-4c2a-9a57-5d2e8f1b9c3d';
    expect((await post(app.url, { event_id: id, user_id: 'id-owner', action: 'first' })).status).toBe(202);
    const reused = await post(app.url, [
      { user_id: 'fresh' },
      { event_id: id.toUpperCase(), user_id: 'id-owner', action: 'second' },
    ]);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({
      error: { code: 'event_id_reused', message: expect.stringMatching(/^event 1: event_id/) },
    });
    const replay = await post(app.url, { event_id: id, user_id: 'id-owner', action: 'first' });
    expect([replay.status, replay.replayed]).toEqual([202, 'true']);
    // The first and its replay: not the refused bulk, nor its valid element.
    const values = (await topicValues(topics.events)).map((v) => JSON.parse(v) as { event_id: string; action: string });
    expect(values.map((v) => [v.event_id, v.action])).toEqual([
      [id, 'first'],
      [id, 'first'],
    ]);
  });

  it('takes a retry of the same event as a replay however written: id in upper case, keys reordered', async () => {
    const topics = await topicsForTest('idem-same');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const id = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
    const first = await post(app.url, {
      event_id: id,
      user_id: 'same-owner',
      timestamp: 1_764_288_000_000,
      payload: { a: 1, b: [1, 2] },
    });
    expect(first.status).toBe(202);
    const retried = await post(app.url, {
      payload: { b: [1, 2], a: 1 },
      timestamp: '2025-11-28T00:00:00Z',
      user_id: 'same-owner',
      event_id: id.toUpperCase(),
    });
    expect([retried.status, retried.replayed]).toEqual([202, 'true']);
    // With an Idempotency-Key: the same fields in another order, and an integer user_id for its string.
    const key = { 'idempotency-key': 'same-body-K' };
    expect((await post(app.url, { user_id: '42', action: 'buy', qty: 2 }, key)).status).toBe(202);
    const again = await post(app.url, { qty: 2, action: 'buy', user_id: 42 }, key);
    expect([again.status, again.replayed]).toEqual([202, 'true']);
    // What differs is still another body: arrays keep their order.
    const other = await post(app.url, {
      event_id: id,
      user_id: 'same-owner',
      timestamp: 1_764_288_000_000,
      payload: { a: 1, b: [2, 1] },
    });
    expect(other.status).toBe(422);
    // Two events, each published with its replay; the conflicting body not at all.
    const values = (await topicValues(topics.events)).map(
      (v) => JSON.parse(v) as { event_id: string; payload?: { b: number[] } },
    );
    expect(values.filter((v) => v.event_id === id).map((v) => v.payload?.b)).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(values).toHaveLength(4);
  });

  it('refuses one event_id twice in a bulk body with two bodies, and keeps its claims compact', async () => {
    const topics = await topicsForTest('idem-twice');
    const app = await generator({ KAFKA_TOPIC: topics.events });
    const id = '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    const twice = await post(app.url, [
      { event_id: id, user_id: 'twice', n: 1 },
      { event_id: id, user_id: 'twice', n: 2 },
    ]);
    expect(twice.status).toBe(422);
    expect(twice.body).toMatchObject({ error: { code: 'event_id_reused', index: 1 } });
    // 2,000 ids claimed: they sit in the compact id buckets, not a key each.
    for (let i = 0; i < 4; i++) {
      const body = Array.from({ length: 500 }, (_, j) => ({ user_id: 'bulk', n: i * 500 + j }));
      expect((await post(app.url, body, { 'idempotency-key': `compact-${i}` })).status).toBe(202);
    }
    const redis = new Redis(inject('redisUrl'));
    onTestFinished(() => redis.disconnect());
    const keys = await redis.keys(`${app.prefix}event_claims*`);
    expect(keys.length).toBeLessThan(40);
    let bytes = 0;
    for (const key of keys) bytes += Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
    expect(bytes / 2_000).toBeLessThan(120);
  });

  it('answers 503 for client-chosen ids while Redis is away, and publishes server-made ids as before', async () => {
    const topics = await topicsForTest('idem-noredis');
    const app = await startGenerator({
      KAFKA_TOPIC: topics.events,
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_KEY_PREFIX: 'unused:',
    });
    onTestFinished(() => app.stop());
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).ok, 20_000, 'readiness');
    const claimed = await post(app.url, { user_id: 'needs-redis' }, { 'idempotency-key': 'k-1' });
    expect(claimed.status).toBe(503);
    expect(claimed.body).toMatchObject({ error: { code: 'redis_unavailable' } });
    expect(claimed.retryAfter).toBe('2');
    expect((await post(app.url, { user_id: 'no-claim' })).status).toBe(202);
  });
});
