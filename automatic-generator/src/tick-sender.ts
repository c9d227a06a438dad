import type { EventRecord } from '@eventstreamapp/event-schema';
import { backoffDelay } from '@eventstreamapp/service-kit';
import { PendingQueue } from './pending-queue.js';

const MAX_BACKOFF_MS = 30_000;

export interface TickSenderOptions {
  /** Sends one batch; resolves once Kafka acknowledged it. */
  send: (batch: EventRecord[]) => Promise<void>;
  intervalMs: number;
  maxPending: number;
  /**
   * Most events per send: a backlog built up during an outage leaves in several sends (each bounded in bytes by the
   * publisher).
   */
  maxBatchEvents: number;
  now?: () => number;
  /** The backoff's jitter source (tests pin it). */
  random?: () => number;
  on?: {
    sent?(events: number, afterFailures: number): void;
    failed?(err: unknown, pending: number, retryInMs: number): void;
    dropped?(events: number): void;
  };
}

/**
 * What happens on each tick of the automatic generator: the new events join a bounded queue, and
 * the queue is sent — unless an earlier failure set a backoff that has not passed yet (the
 * project's one policy: doubling with each failure in a row from twice the interval, up to 30 s, jittered). Nothing
 * made is lost while Kafka is
 * away unless the queue overflows.
 */
export class TickSender {
  private readonly queue: PendingQueue<EventRecord>;
  private failuresInARow = 0;
  private nextAttemptAt = 0;
  private sending: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: TickSenderOptions) {
    this.queue = new PendingQueue(options.maxPending);
    this.now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.queue.size;
  }

  get healthy(): boolean {
    return this.failuresInARow === 0;
  }

  /** Queues the events and, when no backoff holds, sends the queue; resolves when that send settled. */
  tick(events: EventRecord[]): Promise<void> {
    this.drop(this.queue.add(events));
    if (this.now() >= this.nextAttemptAt) this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  /** One last attempt for whatever is queued, after the send in flight. */
  drain(): Promise<void> {
    this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  private async sendPending(): Promise<void> {
    while (this.queue.size > 0) {
      // A batch leaves the queue while it is sent, so nothing queued meanwhile is mistaken for it.
      const batch = this.queue.take(this.options.maxBatchEvents);
      try {
        await this.options.send(batch);
        this.options.on?.sent?.(batch.length, this.failuresInARow);
        this.failuresInARow = 0;
        this.nextAttemptAt = 0;
      } catch (err) {
        this.failuresInARow++;
        const backoff = backoffDelay(
          this.failuresInARow,
          { initialDelayMs: 2 * this.options.intervalMs, maxDelayMs: MAX_BACKOFF_MS },
          this.options.random,
        );
        this.nextAttemptAt = this.now() + backoff;
        this.drop(this.queue.putBack(batch));
        this.options.on?.failed?.(err, this.queue.size, backoff);
        return;
      }
    }
  }

  private drop(count: number): void {
    if (count > 0) this.options.on?.dropped?.(count);
  }
}
