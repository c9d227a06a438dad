/**
 * An event's journey, written beside it in the live stream (the `k` field, stream-entry.ts) as
 * `partition:offset:broker timestamp` of its Kafka record: the row on the page shows where it came from
 * and how long it took. Written by the consumer, read by the viewer and the tools, only through here.
 */
export interface JourneyParts {
  partition: number;
  /** Kafka offsets are 64-bit: kept as the text Kafka gives. */
  offset: string;
  /** The record's broker (or producer) timestamp, epoch ms. */
  publishedAt: number;
}

export function encodeJourney({ partition, offset, publishedAt }: JourneyParts): string {
  return `${partition}:${offset}:${publishedAt}`;
}

/** The parts of a `k` field; undefined when it is not `partition:offset:timestamp` (an older consumer wrote none). */
export function decodeJourney(k: string): JourneyParts | undefined {
  const match = /^(\d+):(\d+):(\d+)$/.exec(k);
  return match ? { partition: Number(match[1]), offset: match[2]!, publishedAt: Number(match[3]) } : undefined;
}
