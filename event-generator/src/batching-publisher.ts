import type { Message, Producer } from 'kafkajs';
import { HttpError } from './errors.js';

export interface BatchingPublisherOptions {
  producer: Producer;
  topic: string;
  acks: number;
  /** How long the first queued event waits for others before its batch is sent (0: no wait). */
  lingerMs: number;
  /**
   * Most producer requests in flight at once. While that many are waiting for Kafka, new
   * events queue and leave together in the next request: under load batches grow by
   * themselves, and an idle service adds no delay at all (group commit).
   */
  maxInFlight: number;
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
 * Coalesces concurrent publishes into one producer request: what arrives while earlier
 * requests are in flight (or within the optional linger window, as librdkafka's linger.ms)
 * goes to Kafka in one `send`, and each caller is settled from that send's result.
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
        // Not sent yet: withdraw it, so this 503 means "not published". (One already in a
        // producer request may still be stored: the caller retries with its own event_id.)
        const index = this.queue.indexOf(entry);
        if (index >= 0) {
          this.queue.splice(index, 1);
          this.queuedEvents -= messages.length;
        }
        reject(new HttpError('kafka_unavailable', `Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const entry: Pending = {
        messages,
        resolve: () => {
          clearTimeout(timeout);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timeout);
          reject(err);
        },
      };
      this.queue.push(entry);
      this.queuedEvents += messages.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    const full = this.queuedEvents >= this.options.maxBatchEvents;
    if (this.inFlight.size >= this.options.maxInFlight && !full) return;
    if (full || this.options.lingerMs === 0) this.sendQueued();
    else this.timer ??= setTimeout(() => this.sendQueued(), this.options.lingerMs);
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
      .finally(() => {
        this.inFlight.delete(sending);
        this.schedule();
      });
    this.inFlight.add(sending);
  }
}
