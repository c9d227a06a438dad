import { redisKeys } from '@eventstreamapp/event-schema';
import { replayDeadLetters } from '@eventstreamapp/pipeline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeEvents, produce } from '../support/events.js';
import { countRecords, createTestTopics, testKafka } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';

// #44, finding 4: a cancelled replay sends nothing after the cancel but the one send already under way —
// at most 500 records (1 MiB): the replay's check-and-send batch — though kafkajs has fetched far more.
describe('cancelling a dead-letter replay', () => {
  it('stops between records: after the cancel, nothing more is read or sent', { timeout: 60_000 }, async () => {
    const topics = await createTestTopics('replay-cancel');
    const store = testRedis('replay-cancel');
    onTestFinished(async () => {
      await store.close();
      await topics.remove();
    });
    // 3,000 fixed dead letters in one partition: one fetch of about 600 KB holds them all.
    await produce(topics.dlq, makeEvents(3_000, 50));
    const cancel = new AbortController();
    const progress: number[] = [];
    const replay = replayDeadLetters(
      {
        kafka: testKafka(),
        redis: store.redis,
        keys: { eventLog: redisKeys(store.prefix).eventLog, replayLock: redisKeys(store.prefix).replayLock },
        holder: 'this test',
        topics,
        maxEventBytes: 65_536,
        maxFutureMs: 300_000,
      },
      {
        signal: cancel.signal,
        onProgress: (report) => {
          progress.push(report.replayed);
          // Cancelled as soon as the first batch was sent.
          if (report.replayed > 0) cancel.abort(new Error('cancelled by this test'));
        },
      },
    );
    await expect(replay).rejects.toThrow('cancelled by this test');
    expect(progress.filter((n) => n > 0)[0]).toBe(500);
    expect(await countRecords(topics.events)).toBe(500);
  });
});
