import { DEFAULT_TIMESTAMP_WINDOW, eventIdFromIdempotencyKey } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { parsePublishBody } from './parse-publish-body.js';

const LIMITS = {
  maxBodyBytes: 100_000,
  maxEventBytes: 10_000,
  maxBulkEvents: 10,
  timestampWindow: DEFAULT_TIMESTAMP_WINDOW,
};
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parsePublishBody', () => {
  it('gives events without their own event_id one derived from the Idempotency-Key and their position', () => {
    const { records } = parsePublishBody(
      body([{ a: 1 }, { event_id: 'F47AC10B-58CC-4372-A567-0E02B2C3D479' }, { a: 3 }]),
      LIMITS,
      'order-7',
    );
    expect(records.map((r) => r.event.event_id)).toEqual([
      eventIdFromIdempotencyKey('order-7', 0),
      'f47ac10b-58cc-4372-a567-0e02b2c3d479',
      eventIdFromIdempotencyKey('order-7', 2),
    ]);
    const again = parsePublishBody(body([{ a: 1 }, {}, { a: 3 }]), LIMITS, 'order-7');
    expect(again.records[0]!.event.event_id).toBe(records[0]!.event.event_id);
  });

  it('refuses a timestamp outside the window with the field named', () => {
    expect(() => parsePublishBody(body({ timestamp: '9999-01-01T00:00:00Z' }), LIMITS)).toThrow(
      expect.objectContaining({
        code: 'invalid_event',
        status: 400,
        details: expect.objectContaining({ field: 'timestamp' }),
      }),
    );
  });
});

describe('parsePublishBody refuses, naming what and where', () => {
  const refusal = (bytes: Buffer, limits = LIMITS, key?: string) => {
    try {
      parsePublishBody(bytes, limits, key);
    } catch (err) {
      const { code, status, message, details } = err as {
        code: string;
        status: number;
        message: string;
        details?: unknown;
      };
      return { code, status, message, details };
    }
    throw new Error('accepted');
  };

  it('a body that is not JSON, empty, or larger than maxBodyBytes', () => {
    expect(refusal(Buffer.from('{"a":'))).toMatchObject({ code: 'malformed_json', status: 400 });
    expect(refusal(Buffer.alloc(0))).toEqual({
      code: 'malformed_json',
      status: 400,
      message: 'the body is empty; send one event object or an array of them',
      details: undefined,
    });
    expect(refusal(body({ pad: 'x'.repeat(200) }), { ...LIMITS, maxBodyBytes: 100 })).toMatchObject({
      code: 'payload_too_large',
      status: 413,
    });
  });

  it('an empty array, and an array longer than maxBulkEvents (exactly maxBulkEvents is fine)', () => {
    expect(refusal(body([]))).toMatchObject({
      code: 'invalid_event',
      message: 'the array is empty; send at least one event',
    });
    expect(refusal(body(Array.from({ length: 11 }, () => ({}))))).toMatchObject({
      code: 'too_many_events',
      status: 413,
      message: '11 events in one request; at most 10 are accepted',
    });
    expect(parsePublishBody(body(Array.from({ length: 10 }, () => ({}))), LIMITS).records).toHaveLength(10);
  });

  it('an invalid element of a bulk body by its index and field; a single event without an index', () => {
    expect(refusal(body([{}, { user_id: 'a b' }]))).toEqual({
      code: 'invalid_event',
      status: 400,
      message: 'event 1: user_id must not contain whitespace or control characters',
      details: { reason: 'invalid_field', field: 'user_id', index: 1 },
    });
    expect(refusal(body({ user_id: 'a b' }))).toEqual({
      code: 'invalid_event',
      status: 400,
      message: 'user_id must not contain whitespace or control characters',
      details: { reason: 'invalid_field', field: 'user_id' },
    });
    expect(refusal(body([1]))).toMatchObject({ details: { reason: 'not_object', index: 0 } });
  });

  it('an event over maxEventBytes as too large, not as invalid', () => {
    expect(refusal(body([{}, { pad: 'x'.repeat(20_000) }]))).toMatchObject({
      code: 'payload_too_large',
      status: 413,
      message: expect.stringMatching(/^event 1: /),
      details: { reason: 'too_large', index: 1 },
    });
  });
});

describe('parsePublishBody claims the ids a client chose, and only those', () => {
  it('an own event_id, or every event under an Idempotency-Key, with its index; never a server-made id', () => {
    const id = '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69';
    const own = parsePublishBody(body([{ user_id: 'a' }, { event_id: id, user_id: 'b' }]), LIMITS);
    expect(own.bulk).toBe(true);
    expect(own.claims.map((c) => [c.id, c.index, c.fingerprint.length])).toEqual([[id, 1, 16]]);
    const keyed = parsePublishBody(body({ user_id: 'a' }), LIMITS, 'k-1');
    expect(keyed.bulk).toBe(false);
    expect(keyed.claims.map((c) => [c.id, c.index])).toEqual([[eventIdFromIdempotencyKey('k-1', 0), 0]]);
    expect(parsePublishBody(body({ user_id: 'a' }), LIMITS).claims).toEqual([]);
  });

  it('fingerprints the same event alike however it is written, and another event otherwise', () => {
    const id = '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69';
    const fingerprint = (value: unknown) =>
      parsePublishBody(body(value), LIMITS).claims[0]!.fingerprint.toString('hex');
    const first = fingerprint({ event_id: id, user_id: 42, timestamp: 1_764_288_000_000, p: { a: 1, b: 2 } });
    expect(
      fingerprint({ p: { b: 2, a: 1 }, timestamp: '2025-11-28T00:00:00Z', user_id: '42', event_id: id.toUpperCase() }),
    ).toBe(first);
    expect(fingerprint({ event_id: id, user_id: 42, timestamp: 1_764_288_000_000, p: { a: 1, b: 3 } })).not.toBe(first);
    expect(fingerprint({ event_id: id, user_id: 43, timestamp: 1_764_288_000_000, p: { a: 1, b: 2 } })).not.toBe(first);
    expect(fingerprint({ event_id: id, user_id: 42, p: { a: 1, b: 2 } })).not.toBe(first);
  });
});
