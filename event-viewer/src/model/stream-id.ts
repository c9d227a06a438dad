/** A Redis Stream entry id: milliseconds and a sequence number. */
const STREAM_ID = /^\d{1,16}-\d{1,16}$/;

export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID.test(value);
}

/** Orders two stream ids as Redis does: by milliseconds, then by sequence. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}
