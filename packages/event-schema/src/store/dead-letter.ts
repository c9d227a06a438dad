/** Headers on every `events.dlq` record: why it was rejected and where it came from. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  message: 'dlq-message',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
} as const;

/** A Kafka header as kafkajs hands it over. */
type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** What the consumer wrote on a dead letter (deadLetterHeaders): why it was refused, and where it came from. */
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

/** The headers the consumer adds to a refused record: why (its rejection's code and message) and where it came from. */
export function deadLetterHeaders(
  rejection: { code: string; message: string },
  origin: { topic: string; partition: number; offset: string },
): Record<string, string> {
  return {
    [DLQ_HEADERS.reason]: rejection.code,
    [DLQ_HEADERS.message]: rejection.message,
    [DLQ_HEADERS.topic]: origin.topic,
    [DLQ_HEADERS.partition]: String(origin.partition),
    [DLQ_HEADERS.offset]: origin.offset,
  };
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
