import type { Message } from 'kafkajs';
import { type Backoff, backoffDelay } from '../process/retry.js';
import { ServiceError } from '../process/service-error.js';
import { isRecordTooLarge, isRetriable } from './kafka-errors.js';
import { recordBytes } from './record-size.js';

/** Sending a whole batch again after a retriable failure: 100 ms, then 200 ms, … within its attempts. */
const RESEND: Backoff = { initialDelayMs: 100, maxDelayMs: 1_000 };

export interface BatchingPublisherOptions {
  /** Sends one producer request and resolves once Kafka acknowledged all of it. */
  send: (messages: Message[]) => Promise<void>;
  /**
   * How long a queued event may wait for others while events keep coming (0: never). An event that comes
   * at least this long after the previous one goes at once: an idle service adds no delay.
   */
  lingerMs: number;
  /** While lingering, a batch goes as soon as this many events are queued (default 16). */
  lingerEvents?: number;
  /**
   * Most producer requests in flight at once. While that many are waiting for Kafka, new
   * events queue and leave together in the next request: under load batches grow by
   * themselves, and an idle service adds no delay at all (group commit).
   */
  maxInFlight: number;
  /** A batch is sent at once when it holds this many events. */
  maxBatchEvents: number;
  /** No producer request carries more bytes of records than this (the broker's message size limit). */
  maxBatchBytes: number;
  /** No publish waits longer than this for Kafka's acknowledgement. */
  timeoutMs: number;
  /** After a failed send, publishes fail at once for this long instead of queueing behind a dead broker. */
  failFastMs?: number;
  /**
   * Sends of one batch before it counts as failed: a retriable failure (a leader moving, too few
   * replicas for a moment) sends the whole batch again, after 100 ms, then 200 ms…
   */
  attempts?: number;
  now?: () => number;
  onBatch?: (events: number, seconds: number, error?: Error) => void;
}

interface Pending {
  messages: Message[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const kafkaUnavailable = (message: string, cause?: unknown) =>
  new ServiceError('kafka_unavailable', message, { retryable: true, cause });

/**
 * Coalesces concurrent publishes into producer requests: what arrives while earlier requests are
 * in flight, or while events keep coming within the linger window (librdkafka's linger.ms, but an
 * event after a quiet spell goes at once), goes to Kafka together, each request bounded in events
 * and bytes, and each caller is settled from its own records' fate: a record the broker refuses as
 * too large fails only the publish that carried it.
 */
export class BatchingPublisher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failingUntil = 0;
  private lastArrivalAt = Number.NEGATIVE_INFINITY;
  private lastError: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly now: () => number;

  private readonly options: BatchingPublisherOptions;

  constructor(options: BatchingPublisherOptions) {
    this.options = { ...options };
    this.now = options.now ?? Date.now;
  }

  /** Lowers (or raises) the byte bound of the next producer requests, e.g. to what the topic accepts. */
  setMaxBatchBytes(bytes: number): void {
    this.options.maxBatchBytes = bytes;
  }

  /** Resolves once Kafka acknowledged every message; rejects with a ServiceError otherwise. */
  publish(messages: Message[]): Promise<void> {
    if (this.closing)
      return Promise.reject(new ServiceError('closed', 'the publisher is closed', { retryable: false }));
    if (this.now() < this.failingUntil) {
      return Promise.reject(
        kafkaUnavailable(`Kafka is unavailable: ${this.lastError?.message ?? 'send failed'}`, this.lastError),
      );
    }
    // A body larger than one request travels in several, each settled on its own; the publish
    // succeeds when all of them did.
    const parts = this.split(messages);
    if (parts.length > 1) return Promise.all(parts.map((part) => this.enqueue(part))).then(() => undefined);
    return this.enqueue(parts[0]!);
  }

  /** Sends whatever is queued and waits until every send in flight has settled. */
  async flush(): Promise<void> {
    this.sendQueued();
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      this.sendQueued();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Refuses new publishes and finishes the queued ones; the same promise on every call. */
  close(): Promise<void> {
    this.closing ??= this.flush();
    return this.closing;
  }

  private split(messages: Message[]): { messages: Message[]; bytes: number }[] {
    const parts: { messages: Message[]; bytes: number }[] = [];
    let current: { messages: Message[]; bytes: number } = { messages: [], bytes: 0 };
    for (const message of messages) {
      const bytes = recordBytes(message);
      const full =
        current.messages.length >= this.options.maxBatchEvents || current.bytes + bytes > this.options.maxBatchBytes;
      if (current.messages.length > 0 && full) {
        parts.push(current);
        current = { messages: [], bytes: 0 };
      }
      current.messages.push(message);
      current.bytes += bytes;
    }
    parts.push(current);
    return parts;
  }

  private enqueue({ messages, bytes }: { messages: Message[]; bytes: number }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        // Not sent yet: withdraw it, so this failure means "not published". (One already in a
        // producer request may still be stored: the caller retries with its own event_id.)
        const index = this.queue.indexOf(entry);
        if (index >= 0) this.queue.splice(index, 1);
        reject(kafkaUnavailable(`Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      const entry: Pending = {
        messages,
        bytes,
        resolve: () => {
          clearTimeout(timeout);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timeout);
          reject(err);
        },
      };
      // After a quiet spell the event goes at once; while events keep coming they linger and leave together.
      const now = this.now();
      const quiet = this.queue.length === 0 && now - this.lastArrivalAt >= this.options.lingerMs;
      this.lastArrivalAt = now;
      this.queue.push(entry);
      this.schedule(quiet);
    });
  }

  private queuedEvents(): number {
    let events = 0;
    for (const entry of this.queue) events += entry.messages.length;
    return events;
  }

  private schedule(quiet = false): void {
    if (this.queue.length === 0) return;
    const queued = this.queuedEvents();
    const full = queued >= this.options.maxBatchEvents;
    if (this.inFlight.size >= this.options.maxInFlight && !full) return;
    const gathered = queued >= (this.options.lingerEvents ?? 16);
    if (full || quiet || gathered || this.options.lingerMs === 0) this.sendQueued();
    else this.timer ??= setTimeout(() => this.sendQueued(), this.options.lingerMs);
  }

  /** Takes the longest run of queued publishes that fits one request. */
  private takeBatch(): Pending[] {
    let events = 0;
    let bytes = 0;
    let count = 0;
    for (const entry of this.queue) {
      const fits =
        events + entry.messages.length <= this.options.maxBatchEvents &&
        bytes + entry.bytes <= this.options.maxBatchBytes;
      if (count > 0 && !fits) break;
      events += entry.messages.length;
      bytes += entry.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private sendQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const sending = this.sendBatch(batch).finally(() => {
        this.inFlight.delete(sending);
        this.schedule();
      });
      this.inFlight.add(sending);
      if (this.inFlight.size >= this.options.maxInFlight && this.queuedEvents() < this.options.maxBatchEvents) break;
    }
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const messages = batch.flatMap((p) => p.messages);
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        // The whole batch every time: a producer request that half succeeded is sent again in full,
        // never in part (kafkajs' own retries can skip partitions whose leader moved: they are off).
        await this.options.send(messages);
        this.options.onBatch?.(messages.length, (performance.now() - started) / 1000);
        for (const p of batch) p.resolve();
        return;
      } catch (err) {
        const error = err as Error;
        if (isRecordTooLarge(error)) {
          this.options.onBatch?.(messages.length, (performance.now() - started) / 1000, error);
          // The broker is up: no fail-fast. Each publish is tried alone, so that only the one
          // holding the oversized record fails, and with a status its client can act on.
          await Promise.all(batch.map((p) => (batch.length > 1 ? this.sendAlone(p) : this.rejectTooLarge(p, error))));
          return;
        }
        if (attempt < attempts && isRetriable(error) && !this.closing) {
          await new Promise((r) => setTimeout(r, backoffDelay(attempt, RESEND)));
          continue;
        }
        this.options.onBatch?.(messages.length, (performance.now() - started) / 1000, error);
        this.lastError = error;
        this.failingUntil = this.now() + (this.options.failFastMs ?? 1_000);
        const failure = kafkaUnavailable(`Kafka is unavailable: ${error.message}`, error);
        for (const p of batch) p.reject(failure);
        return;
      }
    }
  }

  private async sendAlone(p: Pending): Promise<void> {
    try {
      await this.options.send(p.messages);
      p.resolve();
    } catch (err) {
      if (isRecordTooLarge(err as Error)) this.rejectTooLarge(p, err as Error);
      else p.reject(kafkaUnavailable(`Kafka is unavailable: ${(err as Error).message}`, err));
    }
  }

  private rejectTooLarge(p: Pending, cause: Error): void {
    p.reject(
      new ServiceError('record_too_large', `Kafka refuses a record of this request as too large: ${cause.message}`, {
        retryable: false,
        cause,
      }),
    );
  }
}
