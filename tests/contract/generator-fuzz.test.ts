import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerator, waitFor } from '../../event-generator/test/helpers.js';
import { createTestTopics, type TestTopics } from '../support/kafka.js';
import { schemathesis } from '../support/schemathesis.js';

const API_KEY = 'contract-fuzz-key-0123456789';

describe('Schemathesis against event-generator', () => {
  let topics: TestTopics;
  let generator: Awaited<ReturnType<typeof startGenerator>>;

  beforeAll(async () => {
    topics = await createTestTopics('contract-fuzz');
    generator = await startGenerator({ KAFKA_TOPIC: topics.events, PUBLISH_API_KEY: API_KEY, MAX_BULK_EVENTS: '20' });
    await waitFor(async () => (await fetch(`${generator.url}/readyz`)).status === 200, 20_000, 'readiness');
  });

  afterAll(async () => {
    await generator?.stop();
    await topics?.remove();
  });

  it('finds no server error, no undocumented status, header or body, and no accepted invalid input', async () => {
    const result = await schemathesis(generator.url, [`Authorization: Bearer ${API_KEY}`]);
    console.info(result.output.split('\n').slice(-25).join('\n'));
    expect(result.ok, result.output.slice(-8_000)).toBe(true);
  }, 3_600_000);
});
