import type { Message } from 'kafkajs';

/**
 * Bytes a record adds to a Kafka record batch beyond its key and value: attributes, timestamp and
 * offset deltas and lengths as varints, at most 21 bytes (headers are not used).
 */
export const RECORD_OVERHEAD_BYTES = 32;

/** Kafka's default max.message.bytes (broker message.max.bytes): the largest record batch it accepts. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** A record batch's own header; a producer request holds one batch per partition. */
export const BATCH_OVERHEAD_BYTES = 61;

/** The longest key the schema allows: 128 characters of up to 4 bytes each. */
const MAX_KEY_BYTES = 512;

export function recordBytes(message: Message): number {
  const key = message.key === null || message.key === undefined ? 0 : Buffer.byteLength(message.key);
  const value = message.value === null ? 0 : Buffer.byteLength(message.value);
  return key + value + RECORD_OVERHEAD_BYTES;
}

/** The largest event that fits one record batch the broker accepts (its max.message.bytes). */
export function largestEventFor(maxMessageBytes: number): number {
  return maxMessageBytes - BATCH_OVERHEAD_BYTES - RECORD_OVERHEAD_BYTES - MAX_KEY_BYTES;
}
