import { parseEventRecord } from '@eventstreamapp/event-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecords, createTestTopics, readTopic, type TestTopics } from '../../tests/support/kafka.js';
import { spawnService } from '../../tests/support/service-process.js';

describe('automatic-generator as a process', () => {
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await createTestTopics('autogen');
  });
  afterAll(async () => {
    await topics?.remove();
  });

  it('publishes an event every interval and exits 0 within 2 s of SIGTERM', async () => {
    const service = spawnService('automatic-generator', {
      KAFKA_TOPIC: topics.events,
      INTERVAL_MS: '100',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      await service.waitForLog((l) => l.msg === 'event published');
      await new Promise((r) => setTimeout(r, 1_000));
      const { code, ms } = await service.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2_000);
    } finally {
      await service.stop('SIGKILL');
    }
    const published = service.logs.filter((l) => l.msg === 'event published');
    const stored = await countRecords(topics.events);
    expect(stored).toBeGreaterThanOrEqual(5);
    expect(stored).toBe(published.length);
    const records = await readTopic(topics.events, stored);
    for (const record of records) {
      const parsed = parseEventRecord(record.value);
      expect(parsed.ok && parsed.value.event.source).toBe('automatic-generator');
      expect(parsed.ok && record.key?.toString()).toBe(parsed.ok && parsed.value.event.user_id);
    }
  });

  it('keeps running and retrying while Kafka is unreachable, and still exits 0 on SIGTERM', async () => {
    const service = spawnService('automatic-generator', {
      KAFKA_BROKERS: '127.0.0.1:1',
      INTERVAL_MS: '100',
      PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      await service.waitForLog((l) => l.msg === 'publish failed; will retry');
      await service.waitForLog((l) => l.msg === 'publish failed; will retry' && (l.pending as number) > 1, 10_000);
      expect(service.child.exitCode).toBeNull();
      const { code, ms } = await service.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2_000);
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('refuses a bad configuration value, naming the variable, before connecting', async () => {
    const service = spawnService('automatic-generator', { INTERVAL_MS: 'soon', PORT: '0' });
    const { code } = await service.exited;
    expect(code).toBe(78);
    expect([...service.otherOutput, ...service.logs.map((l) => JSON.stringify(l))].join('\n')).toMatch(/INTERVAL_MS/);
  });
});
