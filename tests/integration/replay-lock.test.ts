import { redisKeys } from '@eventstreamapp/event-schema';
import { type ReplayReport, replayDeadLetters } from '@eventstreamapp/pipeline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../support/events.js';
import { countRecords, createTestTopics, testKafka } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';

// #44, finding 2: a replay whose lock expired while it ran (Redis slow or away past the lock's TTL) must not
// go on beside the replay that took the lock next. The lock's value is checked, and renewed, before each batch.
describe('the dead-letter replay lock', () => {
  it('lost under a running replay: that replay stops before its next batch, one replayer sends', {
    timeout: 90_000,
  }, async () => {
    const topics = await createTestTopics('replay-lock');
    const store = testRedis('replay-lock');
    onTestFinished(async () => {
      await store.close();
      await topics.remove();
    });
    // 3,000 dead letters: six batches of 500, so a replay is mid-way after its first.
    await produce(topics.dlq, makeEvents(3_000, 50));
    const keys = redisKeys(store.prefix);
    const deps = (holder: string) => ({
      kafka: testKafka(),
      redis: store.redis,
      keys: { eventLog: keys.eventLog, replayLock: keys.replayLock },
      holder,
      topics,
      maxEventBytes: 65_536,
      maxFutureMs: 300_000,
    });
    let second: Promise<ReplayReport> | undefined;
    const first = replayDeadLetters(deps('the first replayer'), {
      onProgress: (report) => {
        if (report.replayed === 0 || second) return;
        // As if the lock's TTL passed while the first replayer was held up: the key is gone, and the second
        // replayer takes the lock as soon as it can.
        second = store.redis.del(keys.replayLock).then(() => replayDeadLetters(deps('the second replayer')));
      },
    });
    await expect(first).rejects.toThrow('the replay lock expired or another replay took it');
    const secondReport = await second!;
    expect(secondReport.replayed).toBe(3_000);
    // The first sent its one batch before the lock was lost, and nothing after: 500 + the second's 3,000.
    expect(await countRecords(topics.events)).toBe(3_500);
  });
});
