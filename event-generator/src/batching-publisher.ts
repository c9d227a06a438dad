import type { Message, Producer } from 'kafkajs';
import { HttpError } from './errors.js';

export interface BatchingPublisherOptions {
  producer: Producer;
  topic: string;
  acks: number;
  /** How long the first queued event waits for others before its batch is sent. */
  lingerMs: number;
  /** A batch is sent at once when it holds this many events. */
  maxBatchEvents: number;
  /** No publish waits longer than this for Kafka's acknowledgement. */
  timeoutMs: number;
  /** After a failed send, publishes fail at once for this long instead of queueing behind a dead broker. */
  failFastMs?: number;
  onBatch?: (events: number, seconds: number, error?: Error) => void;
}

interface Pending {
  messages: Message[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Coalesces concurrent publishes into one producer request, as librdkafka's linger.ms does:
 * what arrives within the linger window (or until the batch is full) goes to Kafka in one
 * `send`, and each caller is settled from that send's result.
 */
export class BatchingPublisher {
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failingUntil = 0;
  private lastError: Error | undefined;

  constructor(private readonly options: BatchingPublisherOptions) {}

  /** Resolves once Kafka acknowledged every message; rejects with a 503 HttpError otherwise. */
  publish(messages: Message[]): Promise<void> {
    if (Date.now() < this.failingUntil) {
      return Promise.reject(new HttpError('kafka_unavailable', `Kafka is unavailable: ${this.lastError?.message ?? 'send failed'}`));
    }
    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        reject(new HttpError('kafka_unavailable', `Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.queue.push({
        messages,
        resolve: () => {
          clearTimeout(timeout);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timeout);
          reject(err);
        },
      });
      this.queuedEvents += messages.length;
      if (this.queuedEvents >= this.options.maxBatchEvents) this.sendQueued();
      else this.timer ??= setTimeout(() => this.sendQueued(), this.options.lingerMs);
    });
  }

  /** Sends whatever is queued and waits until every send in flight has settled. */
  async flush(): Promise<void> {
    this.sendQueued();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private sendQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    const events = this.queuedEvents;
    this.queue = [];
    this.queuedEvents = 0;
    const started = performance.now();
    const { producer, topic, acks, timeoutMs } = this.options;
    const sending = producer
      .send({ topic, acks, timeout: timeoutMs, messages: batch.flatMap((p) => p.messages) })
      .then(
        () => {
          this.options.onBatch?.(events, (performance.now() - started) / 1000);
          for (const p of batch) p.resolve();
        },
        (err: Error) => {
          this.lastError = err;
          this.failingUntil = Date.now() + (this.options.failFastMs ?? 1_000);
          this.options.onBatch?.(events, (performance.now() - started) / 1000, err);
          const error = new HttpError('kafka_unavailable', `Kafka is unavailable: ${err.message}`, undefined, { cause: err });
          for (const p of batch) p.reject(error);
        },
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }
}
