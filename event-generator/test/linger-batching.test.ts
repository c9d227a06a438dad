import { parseEventRecord } from '@eventstreamapp/event-schema';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecords, createTestTopics, readTopic, type TestTopics } from '../../tests/support/kafka.js';
import { startGenerator, waitFor } from './helpers.js';

describe('concurrent publishes', () => {
  let topics: TestTopics;
  let app: Awaited<ReturnType<typeof startGenerator>>;
  let produceRequests = 0;

  beforeAll(async () => {
    topics = await createTestTopics('linger');
    // A 20 ms linger: 100 new connections reach the server spread over tens of milliseconds (more
    // on a loaded CI machine), and the point is to show that they share producer requests. The
    // default, 1 ms with 2 requests in flight, is tuned for throughput under load (bench/README.md).
    app = await startGenerator({ KAFKA_TOPIC: topics.events, PUBLISH_LINGER_MS: '20' });
    await waitFor(async () => (await request(app.url).get('/readyz')).status === 200, 20_000, 'readiness');
  });
  afterAll(async () => {
    await app?.stop();
    await topics?.remove();
  });

  it('are each stored once, keyed by user, in far fewer producer requests than requests', async () => {
    const N = 100;
    const metricsBefore = await request(app.url).get('/metrics');
    const batchesBefore = Number(/publish_batch_events_count\{[^}]*\} (\d+)/.exec(metricsBefore.text)?.[1] ?? 0);

    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        request(app.url)
          .post('/publish')
          .send({ user_id: `c${i % 7}`, seq: i }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(202));

    expect(await countRecords(topics.events)).toBe(N);
    const records = await readTopic(topics.events, N);
    const ids = new Map<string, number>();
    for (const record of records) {
      const parsed = parseEventRecord(record.value);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(record.key?.toString()).toBe(parsed.value.event.user_id);
      ids.set(parsed.value.event.event_id, (ids.get(parsed.value.event.event_id) ?? 0) + 1);
    }
    for (const res of responses) expect(ids.get(res.body.event_id)).toBe(1);

    const metricsAfter = await request(app.url).get('/metrics');
    produceRequests = Number(/publish_batch_events_count\{[^}]*\} (\d+)/.exec(metricsAfter.text)?.[1]) - batchesBefore;
    expect(produceRequests).toBeGreaterThan(0);
    expect(produceRequests).toBeLessThan(N / 5);
  });
});
