import type { EachBatchPayload } from 'kafkajs';

/** What pacing commits needs from kafkajs' eachBatch payload. */
export type Committer = Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'uncommittedOffsets' | 'isRunning'>;

/**
 * When stored chunks' offsets reach Kafka (KAFKA_COMMIT_INTERVAL_MS). 0: after every chunk, as kafkajs'
 * threshold of 1 does. Otherwise at most once per interval: the first chunk stored after a commit arms one
 * timer, which commits every offset resolved by then — so a quiet consumer commits its last chunk within
 * the interval and then sleeps, and a busy one sends one commit per interval instead of one per batch (a
 * fifth of the broker's work at 1,000 events/s, bench/README "Cost"). A member that stops commits at once.
 * Offsets still follow the write: what a crash leaves uncommitted is read again and stored once by the dedup
 * index (at most an interval's worth).
 */
export function createOffsetCommits(intervalMs: number, stopping: AbortSignal, onError: (err: Error) => void) {
  let latest: Committer | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Commits every offset resolved so far (none: no request). A refused commit is read again, never lost. */
  async function commitNow(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const ctx = latest;
    if (!ctx) return;
    const offsets = ctx.uncommittedOffsets();
    if (offsets.topics.length === 0) return;
    try {
      await ctx.commitOffsetsIfNecessary(offsets);
    } catch (err) {
      onError(err as Error);
    }
  }

  return {
    /** kafkajs' run() options: its own commits after every batch only when committing per chunk. */
    runOptions: intervalMs === 0 ? { autoCommit: true, autoCommitThreshold: 1 } : { autoCommit: false },
    /** The payload with its commitOffsetsIfNecessary() (called after each stored chunk) paced. */
    pace<T extends Committer>(payload: T): T {
      if (intervalMs === 0) return payload;
      latest = payload;
      return {
        ...payload,
        commitOffsetsIfNecessary: async () => {
          if (stopping.aborted || !payload.isRunning()) return commitNow();
          timer ??= setTimeout(() => void commitNow(), intervalMs);
        },
      };
    },
    /** Commits what is resolved now: before the member leaves its group. */
    flush: commitNow,
  };
}
