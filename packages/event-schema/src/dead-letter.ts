import { DLQ_HEADERS } from './names.js';

/** A Kafka header as kafkajs hands it over. */
type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** What the consumer wrote on a dead letter (event-consumer dead-letter.ts): why it was refused, and where it came from. */
export interface DeadLetterOrigin {
  reason: string;
  message: string;
  topic?: string;
  partition?: number;
  offset?: string;
}

function header(headers: Record<string, HeaderValue> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** The origin headers of a `events.dlq` record; a record written by something else reads as reason `unknown`. */
export function deadLetterOrigin(headers: Record<string, HeaderValue> | undefined): DeadLetterOrigin {
  const partition = Number(header(headers, DLQ_HEADERS.partition));
  const topic = header(headers, DLQ_HEADERS.topic);
  const offset = header(headers, DLQ_HEADERS.offset);
  return {
    reason: header(headers, DLQ_HEADERS.reason) ?? 'unknown',
    message: header(headers, DLQ_HEADERS.message) ?? '',
    ...(topic === undefined ? {} : { topic }),
    ...(Number.isInteger(partition) && header(headers, DLQ_HEADERS.partition) !== undefined ? { partition } : {}),
    ...(offset === undefined ? {} : { offset }),
  };
}

/** The record's own headers, without those the dead-letter queue added: what a replay publishes again. */
export function withoutDeadLetterHeaders<T>(headers: Record<string, T> | undefined): Record<string, T> {
  const added = new Set<string>(Object.values(DLQ_HEADERS));
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !added.has(name)));
}
