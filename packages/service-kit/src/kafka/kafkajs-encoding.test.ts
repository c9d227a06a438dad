// The produce path as patched (patches/README.md): checked against the protocol's own definitions and the Java
// client's hash, written here from Kafka's documentation and tests, not against kafkajs's code.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { DEFAULT_MAX_EVENT_BYTES } from '@eventstreamapp/event-schema';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from './record-size.js';

const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer; writeVarLong(v: number): Encoder; writeVarInt(v: number): Encoder };
const Encoder = require('kafkajs/src/protocol/encoder.js') as {
  new (): Encoder;
  sizeOfVarLong(v: number): number;
};
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer };
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: { partitionId: number; leader: number }[];
  messages: { key: string | null; value: string }[];
  partitioner: (args: { message: { key: string | null } }) => number;
}) => Record<string, { key: string | null; value: string }[]>;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (b: object) => Promise<{ buffer: Buffer }>;
};
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (
  d: object,
) => Promise<{ records: { value: Buffer; offset: string }[] }>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => object;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  d: object,
  context: object,
) => { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; offset: string; timestamp: string };

/** CRC-32C one bit at a time (reflected polynomial 0x82F63B78): slow, and obviously the definition. */
function crc32cByBits(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A varlong as the protocol defines it: zigzag over 64 bits, then 7 bits a byte, least significant first. */
function varLong(value: bigint): Buffer {
  let zigZag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigZag >= 0x80n) {
    bytes.push(Number(zigZag & 0x7fn) | 0x80);
    zigZag >>= 7n;
  }
  bytes.push(Number(zigZag));
  return Buffer.from(bytes);
}

describe('kafkajs CRC-32C, eight bytes a step', () => {
  it('gives the standard check value of "123456789"', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('equals the bitwise definition for every length around the eight-byte steps, and for batches', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = randomBytes(length);
      expect(crc32C(bytes), `length ${length}`).toBe(crc32cByBits(bytes));
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 20_000 }), (array) => {
        const bytes = Buffer.from(array);
        expect(crc32C(bytes)).toBe(crc32cByBits(bytes));
      }),
      { numRuns: 60 },
    );
  });
});

describe('kafkajs varints without a Buffer or a BigInt each', () => {
  const edges = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8_191, 8_192, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 52];
  const safeIntegers = [...edges, -(2 ** 52), 2 ** 52 + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

  it('writes a varlong as the protocol defines it, and counts its bytes the same, for every safe integer', () => {
    for (const value of safeIntegers) {
      const written = new Encoder().writeVarLong(value).buffer;
      expect(written.toString('hex'), String(value)).toBe(varLong(BigInt(value)).toString('hex'));
      expect(Encoder.sizeOfVarLong(value), String(value)).toBe(written.length);
    }
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        const written = new Encoder().writeVarLong(value).buffer;
        expect(written.equals(varLong(BigInt(value)))).toBe(true);
        expect(Encoder.sizeOfVarLong(value)).toBe(written.length);
      }),
    );
  });

  it('writes a varint as the protocol defines it, several in a row in one buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 200 }), (values) => {
        const encoder = new Encoder();
        for (const value of values) encoder.writeVarInt(value);
        expect(encoder.buffer.equals(Buffer.concat(values.map((v) => varLong(BigInt(v)))))).toBe(true);
      }),
    );
  });
});

describe('a kafkajs record encoded by the patched encoder', () => {
  // Names an object already answers to are drawn often: released kafkajs took them for repeats (seed 54862433).
  const headerName = fc.oneof(
    fc.constantFrom('toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'),
    fc.string({ minLength: 1, maxLength: 8 }),
  );

  it('decodes back to its key, value, headers, offset and timestamp, whatever their sizes', () => {
    const text = fc.string({ unit: 'binary', maxLength: 3_000 });
    fc.assert(
      fc.property(
        fc.option(text, { nil: null }),
        text,
        fc.dictionary(headerName, fc.string({ maxLength: 40 }), { maxKeys: 3 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        (key, value, headers, offsetDelta, timestampDelta) => {
          const encoded = Record({ key, value, headers, offsetDelta, timestampDelta }).buffer;
          const decoder = new Decoder(encoded) as { readVarInt(): number; offset: number };
          expect(decoder.readVarInt()).toBe(encoded.length - decoder.offset);
          const firstTimestamp = 1_700_000_000_000;
          const record = decodeRecord(decoder, { firstOffset: '100', firstTimestamp, magicByte: 2 });
          expect(record.key?.toString() ?? null).toBe(key === null ? null : Buffer.from(key).toString());
          expect(record.value?.toString()).toBe(Buffer.from(value).toString());
          expect(Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString()]))).toEqual(
            Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v).toString()])),
          );
          expect(record.offset).toBe(String(100 + offsetDelta));
          expect(record.timestamp).toBe(String(firstTimestamp + timestampDelta));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the headers of a decoded record', () => {
  it('are its own: named like an object member, a header is one value; repeated, an array in its order', () => {
    const headers = Object.defineProperty({ toString: 'a', constructor: ['c', 'd'] }, '__proto__', {
      value: 'b',
      enumerable: true,
    });
    const encoded = Record({ key: null, value: 'v', headers, offsetDelta: 0, timestampDelta: 0 }).buffer;
    const decoder = new Decoder(encoded) as { readVarInt(): number };
    decoder.readVarInt();
    const decoded = decodeRecord(decoder, { firstOffset: '0', firstTimestamp: 0, magicByte: 2 }).headers as Record<
      string,
      Buffer | Buffer[]
    >;
    const text = (v: Buffer | Buffer[]) => (Array.isArray(v) ? v.map(String) : String(v));
    expect(Object.entries(decoded).map(([name, v]) => [name, text(v)])).toEqual([
      ['toString', 'a'],
      ['constructor', ['c', 'd']],
      ['__proto__', 'b'],
    ]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});

describe('the largest batch a producer sends', () => {
  it('holds events of the largest size up to the broker’s message limit, checksummed by the definition', async () => {
    // Multi-byte text: the encoders are sized in bytes, not characters.
    const value = (i: number) => `${i}:`.padEnd(DEFAULT_MAX_EVENT_BYTES / 2, 'é');
    const count = Math.floor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES / (DEFAULT_MAX_EVENT_BYTES + 100));
    const records = Array.from({ length: count }, (_, i) =>
      Record({ key: `user-${i}`, value: value(i), offsetDelta: i, timestampDelta: i }),
    );
    const encoded = (await RecordBatch({ records, lastOffsetDelta: count - 1 })).buffer;
    expect(encoded.length).toBeGreaterThan(KAFKA_DEFAULT_MAX_MESSAGE_BYTES - DEFAULT_MAX_EVENT_BYTES - 1_000);
    // firstOffset (8), length (4), partitionLeaderEpoch (4), magic (1), then the CRC of everything after it.
    expect(encoded.readUInt32BE(17)).toBe(crc32cByBits(encoded.subarray(21)));
    const { records: decoded } = await decodeBatch(new Decoder(encoded));
    expect(decoded.map((r) => r.value.toString())).toEqual(Array.from({ length: count }, (_, i) => value(i)));
  });
});

describe('kafkajs murmur2 on 32-bit integers', () => {
  it("hashes as the Java client does (Kafka's own UtilsTest cases): a key lands on the same partition", () => {
    const javaHashes: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
    };
    for (const [key, hash] of Object.entries(javaHashes)) {
      expect(murmur2(key), key).toBe(hash);
      expect(murmur2(Buffer.from(key)), key).toBe(hash);
    }
  });

  it('returns a 32-bit integer for keys of every length and byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hash = murmur2(Buffer.from(bytes));
        expect(hash).toBe(hash | 0);
      }),
    );
  });
});

describe("kafkajs's grouping of a send by partition", () => {
  it('puts every message under its partition once, in the order sent', () => {
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: 1 }));
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5 }), { maxLength: 300 }), (partitions) => {
        const messages = partitions.map((p, i) => ({ key: String(p), value: `m${i}` }));
        const grouped = groupMessagesPerPartition({
          topic: 't',
          partitionMetadata,
          messages,
          partitioner: ({ message }) => Number(message.key),
        });
        for (const partition of new Set(partitions)) {
          expect(grouped[partition]).toEqual(messages.filter((m) => m.key === String(partition)));
        }
        expect(Object.values(grouped).flat()).toHaveLength(messages.length);
      }),
    );
  });
});
