import type { OffsetsByTopicPartition } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Committer, createOffsetCommits } from './offset-commits.js';

/** An eachBatch payload whose resolved offsets are `resolved`; each commit recorded with the time it was sent. */
function fakePayload(now: () => number) {
  const commits: { at: number; offsets: OffsetsByTopicPartition | undefined }[] = [];
  let resolved: { partition: number; offset: string }[] = [];
  let running = true;
  let refuse = false;
  const payload: Committer = {
    uncommittedOffsets: () => ({ topics: resolved.length ? [{ topic: 't', partitions: resolved }] : [] }),
    commitOffsetsIfNecessary: async (offsets) => {
      if (refuse) throw new Error('The coordinator is rebalancing');
      commits.push({ at: now(), offsets });
      resolved = [];
    },
    isRunning: () => running,
  };
  return {
    payload,
    commits,
    resolve(partition: number, offset: number) {
      resolved = [...resolved.filter((r) => r.partition !== partition), { partition, offset: String(offset) }];
    },
    stop() {
      running = false;
    },
    refuse() {
      refuse = true;
    },
  };
}

describe('offset commits', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('with an interval of 0, leave the payload as it is: kafkajs commits after every chunk', () => {
    const commits = createOffsetCommits(0, new AbortController().signal, () => {});
    const { payload } = fakePayload(Date.now);
    expect(commits.pace(payload)).toBe(payload);
    expect(commits.runOptions).toEqual({ autoCommit: true, autoCommitThreshold: 1 });
  });

  it('commit at most once an interval, all resolved by then, an interval after the first chunk stored', async () => {
    const commits = createOffsetCommits(1_000, new AbortController().signal, () => {});
    expect(commits.runOptions).toEqual({ autoCommit: false });
    const fake = fakePayload(Date.now);
    const start = Date.now();
    for (let chunk = 0; chunk < 5; chunk++) {
      fake.resolve(chunk % 3, 10 + chunk);
      await commits.pace(fake.payload).commitOffsetsIfNecessary();
      await vi.advanceTimersByTimeAsync(300);
    }
    // Chunks at 0, 300, 600, 900, 1200 ms: one commit at 1000 ms with the four resolved before it, one at 2200.
    expect(fake.commits.map((c) => c.at - start)).toEqual([1_000]);
    // The latest resolved offset of each partition: p0's 13 replaced its 10.
    expect(fake.commits[0]?.offsets?.topics[0]?.partitions).toEqual([
      { partition: 1, offset: '11' },
      { partition: 2, offset: '12' },
      { partition: 0, offset: '13' },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.commits.map((c) => c.at - start)).toEqual([1_000, 2_200]);
    // Quiet now: no timer left, nothing more sent.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.commits).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('commit at once when the member stops or the service is stopping, and on flush', async () => {
    const stopping = new AbortController();
    const commits = createOffsetCommits(5_000, stopping.signal, () => {});
    const fake = fakePayload(Date.now);
    fake.resolve(0, 1);
    await commits.pace(fake.payload).commitOffsetsIfNecessary();
    expect(fake.commits).toHaveLength(0);
    await commits.flush();
    expect(fake.commits).toHaveLength(1);
    fake.resolve(1, 2);
    stopping.abort();
    await commits.pace(fake.payload).commitOffsetsIfNecessary();
    expect(fake.commits).toHaveLength(2);
    fake.resolve(2, 3);
    fake.stop();
    await createOffsetCommits(5_000, new AbortController().signal, () => {})
      .pace(fake.payload)
      .commitOffsetsIfNecessary();
    expect(fake.commits).toHaveLength(3);
    // Nothing resolved: no request.
    await commits.flush();
    expect(fake.commits).toHaveLength(3);
  });

  it('report a refused commit and go on: what it held is read again and stored once', async () => {
    const errors: string[] = [];
    const commits = createOffsetCommits(1_000, new AbortController().signal, (err) => errors.push(err.message));
    const fake = fakePayload(Date.now);
    fake.refuse();
    fake.resolve(0, 7);
    await commits.pace(fake.payload).commitOffsetsIfNecessary();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toEqual(['The coordinator is rebalancing']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
