import { randomUUID } from 'node:crypto';
import { type DeadLetterOrigin, deadLetterOrigin } from '@eventstreamapp/event-schema';
import { type AdminSession, type PartitionEnds, retryUntilStopped, topicEnds } from '@eventstreamapp/service-kit';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/**
 * One record of the dead-letter topic as the viewer keeps it: its origin, and a copy of at most `previewBytes` of its
 * value.
 */
export interface DeadLetter {
  partition: number;
  offset: number;
  /** When the consumer refused it: the dead letter's Kafka timestamp, epoch ms. */
  refusedAt: number;
  key: Buffer | null;
  origin: DeadLetterOrigin;
  /** The value's whole size in bytes. */
  bytes: number;
  preview: Buffer | null;
}

export interface DeadLetterWindowOptions {
  kafka: Kafka;
  admin: AdminSession;
  topic: string;
  /** The newest records kept per partition (DLQ_WINDOW). */
  perPartition: number;
  /** Bytes of each value kept (DLQ_PREVIEW_BYTES). */
  previewBytes: number;
  onError: (err: unknown) => void;
}

/**
 * What a reason message or a key may hold in memory: they come from headers anyone producing to the topic could set.
 */
const HEADER_CHARS = 1024;
const KEY_BYTES = 256;
/** How long the partitions' ends are reused: one admin request per second however many read /dlq. */
const ENDS_TTL_MS = 1_000;
/**
 * How long a fetch waits when no letter comes (a letter is answered at once). At one a second the empty
 * fetches were a third of an idle viewer's CPU (bench/README, idle).
 */
const EMPTY_FETCH_WAIT_MS = 5_000;
/** How long stopping waits for that fetch: the reader commits nothing, so leaving it unanswered loses nothing. */
const STOP_WAIT_MS = 1_000;

export type DeadLetterWindow = ReturnType<typeof createDeadLetterWindow>;

/**
 * What the window holds of one record: its origin headers cut to HEADER_CHARS, at most KEY_BYTES of
 * its key and `previewBytes` of its value — copies, since a slice would keep kafkajs' whole fetch
 * response alive.
 */
export function readDeadLetter(partition: number, message: KafkaMessage, previewBytes: number): DeadLetter {
  const value = message.value;
  const origin = deadLetterOrigin(message.headers);
  return {
    partition,
    offset: Number(message.offset),
    refusedAt: Number(message.timestamp),
    key: message.key ? Buffer.from(message.key.subarray(0, KEY_BYTES)) : null,
    origin: { ...origin, message: origin.message.slice(0, HEADER_CHARS), reason: origin.reason.slice(0, 64) },
    bytes: value?.length ?? 0,
    preview: value ? Buffer.from(value.subarray(0, previewBytes)) : null,
  };
}

/**
 * Adds a letter to its partition's list, keeping the newest `perPartition`; an offset already passed is a re-fetch and
 * is dropped.
 */
export function holdNewest(held: Map<number, DeadLetter[]>, letter: DeadLetter, perPartition: number): void {
  let list = held.get(letter.partition);
  if (!list) {
    list = [];
    held.set(letter.partition, list);
  }
  // Records fetched before the seek took effect may come again after it.
  if (list.length > 0 && letter.offset <= list[list.length - 1]!.offset) return;
  list.push(letter);
  if (list.length > perPartition) list.splice(0, list.length - perPartition);
}

/**
 * The newest dead letters, held in memory: a consumer in a group of its own (it commits nothing) starts
 * `perPartition` records before each partition's end and follows the topic. The window is bounded in
 * records and bytes (perPartition × partitions × (previewBytes + ~1.3 KiB)); older records stay in Kafka,
 * where `make dlq-replay --from-offset` and `make kafka-consume` reach them.
 */
export function createDeadLetterWindow({
  kafka,
  admin,
  topic,
  perPartition,
  previewBytes,
  onError,
}: DeadLetterWindowOptions) {
  const held = new Map<number, DeadLetter[]>();
  let consumer: Consumer | undefined;
  let following = false;
  let ends: { at: number; value: Promise<PartitionEnds[]> } | undefined;
  const stopping = new AbortController();

  const keep = (letter: DeadLetter) => holdNewest(held, letter, perPartition);

  async function follow(): Promise<void> {
    const start = await topicEnds(await admin.get(), topic);
    const next = kafka.consumer({
      groupId: `event-viewer-dlq-${randomUUID()}`,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: EMPTY_FETCH_WAIT_MS,
    });
    consumer = next;
    await next.connect();
    await next.subscribe({ topic, fromBeginning: true });
    const crashed = new Promise<never>((_resolve, reject) => {
      next.on(next.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
    await next.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) keep(readDeadLetter(batch.partition, message, previewBytes));
      },
    });
    for (const p of start)
      next.seek({ topic, partition: p.partition, offset: String(Math.max(p.low, p.high - perPartition)) });
    following = true;
    await crashed;
  }

  return {
    /** Follows the topic until stopped, starting again (from the window's start) after a crash. */
    start(): void {
      void retryUntilStopped(
        async () => {
          try {
            await follow();
          } finally {
            following = false;
            held.clear();
            await consumer?.disconnect().catch(() => undefined);
          }
        },
        { signal: stopping.signal, initialDelayMs: 1_000, maxDelayMs: 30_000, onRetry: onError },
      );
    },
    get following(): boolean {
      return following;
    },
    /** Every letter held, newest refusal first (then by partition and offset). */
    letters(): DeadLetter[] {
      return [...held.values()]
        .flat()
        .sort((a, b) => b.refusedAt - a.refusedAt || a.partition - b.partition || b.offset - a.offset);
    },
    /** The topic's partitions and their offsets, asked of Kafka at most once per second. */
    ends(now = Date.now()): Promise<PartitionEnds[]> {
      if (!ends || now - ends.at >= ENDS_TTL_MS) {
        const value = admin.get().then((a) => topicEnds(a, topic));
        value.catch(() => {
          ends = undefined;
        });
        ends = { at: now, value };
      }
      return ends.value;
    },
    async stop(): Promise<void> {
      stopping.abort();
      const left = consumer?.disconnect().catch(() => undefined);
      await Promise.race([left, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
  };
}
