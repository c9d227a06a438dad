import { DEFAULT_TIMESTAMP_WINDOW, eventIdFromIdempotencyKey } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { parsePublishBody } from './parse-publish-body.js';

const LIMITS = { maxBodyBytes: 100_000, maxEventBytes: 10_000, maxBulkEvents: 10, timestampWindow: DEFAULT_TIMESTAMP_WINDOW };
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
      expect.objectContaining({ code: 'invalid_event', status: 400, details: expect.objectContaining({ field: 'timestamp' }) }),
    );
  });
});
