import { createHash } from 'node:crypto';

/** What an Idempotency-Key may hold: 1–255 visible ASCII characters (the IETF draft's sf-string, quoted or not). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The key without the quotes a structured-field string carries, or undefined when it is not acceptable. */
export function parseIdempotencyKey(header: string): string | undefined {
  const key = /^"(.*)"$/.exec(header)?.[1] ?? header;
  return IDEMPOTENCY_KEY.test(key) ? key : undefined;
}

/**
 * The event_id a request's Idempotency-Key gives the event at `index` of its body: a UUID (version 8,
 * name-based on SHA-256), so the same key and position always name the same event, and a retry is
 * recognised downstream however many times it is published.
 */
export function eventIdFromIdempotencyKey(key: string, index: number): string {
  const bytes = createHash('sha256').update(`eventstreamapp:${key}:${index}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
