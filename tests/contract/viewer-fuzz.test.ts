import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewer, store } from '../../event-viewer/test/helpers.js';
import { makeEvents } from '../support/events.js';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { schemathesis } from '../support/schemathesis.js';

const OPERATOR_TOKEN = 'contract-operator-token-0123456789';

describe('Schemathesis against event-viewer', () => {
  let topics: TestTopics;
  let redis: TestRedis;
  let viewer: Awaited<ReturnType<typeof startViewer>>;

  beforeAll(async () => {
    topics = await createTestTopics('contract-viewer');
    redis = testRedis('contract-viewer');
    await store(redis, makeEvents(20, 3));
    viewer = await startViewer({
      REDIS_KEY_PREFIX: redis.prefix,
      KAFKA_TOPIC: topics.events,
      KAFKA_DLQ_TOPIC: topics.dlq,
      KAFKA_GROUP_ID: topics.group,
      VIEWER_TOKEN: 'contract-reader-token-0123456789',
      VIEWER_OPERATOR_TOKEN: OPERATOR_TOKEN,
    });
  });
  afterAll(async () => {
    await viewer?.stop();
    await redis?.close();
    await topics?.remove();
  });

  it('finds no server error, no undocumented status, header or body, and no accepted invalid input', async () => {
    // An operator's replay requests carry the CSRF token /dlq gives it, as an API client's would.
    const dlq = await fetch(`${viewer.url}/dlq`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, accept: 'application/json' },
    });
    const { csrfToken } = (await dlq.json()) as { csrfToken: string };
    const result = await schemathesis(viewer.url, [
      `Authorization: Bearer ${OPERATOR_TOKEN}`,
      `X-CSRF-Token: ${csrfToken}`,
    ]);
    console.info(result.output.split('\n').slice(-25).join('\n'));
    expect(result.ok, result.output.slice(-12_000)).toBe(true);
  }, 3_600_000);
});
