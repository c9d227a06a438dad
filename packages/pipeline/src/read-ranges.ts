import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Records `from` (inclusive) to `to` (exclusive) of one partition. */
export interface PartitionRange {
  partition: number;
  from: number;
  to: number;
}

export interface ReadRangeOptions {
  /** Names the throwaway consumer group (`<prefix>-<uuid>`), so an operator can tell what it was. */
  groupPrefix: string;
  /** Longest wait for the next records: a read that stops making progress fails, a long one does not. */
  stallTimeoutMs: number;
  /** Bytes fetched per partition per request: what bounds the memory a read holds at once. */
  maxBytesPerPartition?: number;
  /** Ends the read early (a viewer stopping mid-replay): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Reads fixed ranges of a topic and returns: a consumer in a group of its own that commits nothing and
 * is deleted afterwards (kafkajs reads only through a group). Each range ends where it was given, so
 * records arriving meanwhile are not read; `onMessage` sees each record of a partition in order.
 */
export async function readTopicRanges(
  kafka: Kafka,
  topic: string,
  ranges: PartitionRange[],
  onMessage: (partition: number, message: KafkaMessage) => void | Promise<void>,
  { groupPrefix, stallTimeoutMs, maxBytesPerPartition = 1024 * 1024, signal }: ReadRangeOptions,
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.from < r.to).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  signal?.throwIfAborted();
  const groupId = `${groupPrefix}-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition,
    maxBytes: maxBytesPerPartition * pending.size,
    maxWaitTimeInMs: 250,
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  let abort: (() => void) | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const stalled = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => reject(new Error(`no records of ${topic} arrived for ${stallTimeoutMs} ms`)),
          stallTimeoutMs,
        );
      };
      stalled();
      abort = () => reject(signal?.reason);
      signal?.addEventListener('abort', abort, { once: true });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            stalled();
            const range = pending.get(batch.partition);
            if (!range) return;
            for (const message of batch.messages) {
              // Cancelled: not one record more, though kafkajs finishes this batch before it disconnects.
              if (signal?.aborted) return;
              const offset = Number(message.offset);
              resolveOffset(message.offset);
              if (offset < range.from) continue;
              if (offset >= range.to) break;
              await onMessage(batch.partition, message);
            }
            if (Number(batch.lastOffset()) >= range.to - 1) pending.delete(batch.partition);
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
      for (const range of pending.values())
        consumer.seek({ topic, partition: range.partition, offset: String(range.from) });
    });
  } finally {
    clearTimeout(timer);
    if (abort) signal?.removeEventListener('abort', abort);
    await consumer.disconnect().catch(() => undefined);
    // An empty group would linger until Kafka expires it; deleting it leaves nothing behind.
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}
