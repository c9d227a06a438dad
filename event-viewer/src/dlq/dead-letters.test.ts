import { DLQ_HEADERS } from '@eventstreamapp/event-schema';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, holdNewest, readDeadLetter } from './dead-letters.js';

const PREVIEW = 4 * 1024;

function record(
  offset: number,
  value: Buffer,
  headers: KafkaMessage['headers'] = {},
  key = Buffer.alloc(100_000, 'k'),
): KafkaMessage {
  return {
    offset: String(offset),
    timestamp: String(1_700_000_000_000 + offset),
    key,
    value,
    headers,
    attributes: 0,
    size: 0,
  };
}

describe('the dead-letter window, at its bounds', () => {
  it('holds at most the preview of the largest value, a short key and short headers, as copies', () => {
    // A 100 KB key and a 16 MiB value (MAX_EVENT_BYTES' largest) inside one larger fetch buffer, as kafkajs
    // hands them out, with a header of 1 MiB.
    const fetched = Buffer.alloc(17 * 1024 * 1024, 'x');
    const key = fetched.subarray(0, 100_000);
    const value = fetched.subarray(200_000, 200_000 + 16 * 1024 * 1024);
    const letter = readDeadLetter(
      2,
      record(7, value, { [DLQ_HEADERS.reason]: 'too_large', [DLQ_HEADERS.message]: 'm'.repeat(1024 * 1024) }, key),
      PREVIEW,
    );
    expect(letter).toMatchObject({ partition: 2, offset: 7, bytes: 16 * 1024 * 1024 });
    expect(letter.preview!.length).toBe(PREVIEW);
    expect(letter.key!.length).toBe(256);
    expect(letter.origin.message.length).toBe(1024);
    // Nothing held points into kafkajs' fetch buffer.
    expect(letter.preview!.buffer).not.toBe(fetched.buffer);
    expect(letter.key!.buffer).not.toBe(fetched.buffer);
  });

  it('keeps the newest DLQ_WINDOW records of each partition, and drops a record fetched again', () => {
    const held = new Map<number, DeadLetter[]>();
    for (let offset = 0; offset < 1_000; offset++) {
      holdNewest(held, readDeadLetter(offset % 2, record(offset, Buffer.from('{}')), PREVIEW), 200);
    }
    expect(held.get(0)).toHaveLength(200);
    expect(held.get(1)).toHaveLength(200);
    expect(held.get(0)![0]!.offset).toBe(600);
    holdNewest(held, readDeadLetter(0, record(998, Buffer.from('{}')), PREVIEW), 200);
    expect(held.get(0)).toHaveLength(200);
    expect(held.get(0)!.at(-1)!.offset).toBe(998);
  });
});
