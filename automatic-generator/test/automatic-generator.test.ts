import { parseEventRecord } from '@eventstreamapp/event-schema';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countRecords, createTestTopics, readTopic } from '../../tests/support/kafka.js';
import { shutdownBudgetMs, startServiceProcess } from '../../tests/support/service-process.js';
import { metricValue, waitFor } from '../../tests/support/wait.js';

describe('automatic-generator as a process', () => {
  it('publishes valid events keyed by user every interval, counts them, exits 0 in time on SIGTERM', async () => {
    const topics = await createTestTopics('autogen');
    onTestFinished(() => topics.remove());
    const service = startServiceProcess('automatic-generator', { KAFKA_TOPIC: topics.events, INTERVAL_MS: '100' });
    onTestFinished(async () => void (await service.stop('SIGKILL')));
    const url = await service.ready();
    await waitFor(async () => (await metricValue(url, 'events_published_total')) >= 5, 20_000, 'five events published');
    const counted = await metricValue(url, 'events_published_total');
    const { code, ms } = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('automatic-generator'));
    const stored = await countRecords(topics.events);
    expect(stored).toBeGreaterThanOrEqual(counted);
    for (const record of await readTopic(topics.events, stored)) {
      const parsed = parseEventRecord(record.value);
      expect(parsed.ok && parsed.value.event.source).toBe('automatic-generator');
      expect(parsed.ok && record.key?.toString()).toBe(parsed.ok && parsed.value.event.user_id);
    }
  });

  it('keeps running and keeping its events while Kafka is unreachable, and still exits 0 on SIGTERM', async () => {
    const service = startServiceProcess('automatic-generator', { KAFKA_BROKERS: '127.0.0.1:1', INTERVAL_MS: '100' });
    onTestFinished(async () => void (await service.stop('SIGKILL')));
    const url = await service.url();
    await waitFor(
      async () => (await metricValue(url, 'events_pending')) > 1,
      20_000,
      'events kept while Kafka is away',
    );
    expect(await metricValue(url, 'publish_errors_total')).toBeGreaterThan(0);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect(service.child.exitCode).toBeNull();
    const { code, ms } = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(shutdownBudgetMs('automatic-generator'));
  });

  it('refuses a bad configuration value, naming the variable, before connecting', async () => {
    const service = startServiceProcess('automatic-generator', { INTERVAL_MS: 'soon' });
    const { code } = await service.exited;
    expect(code).toBe(78);
    expect(service.logs.find((l) => l.event === 'config.invalid')?.msg).toMatch(/INTERVAL_MS="soon"/);
  });
});
