import { describe, expect, it } from 'vitest';
import { eventSchema } from './event.js';
import { eventIdFromIdempotencyKey, parseIdempotencyKey } from './event-id.js';

describe('eventIdFromIdempotencyKey', () => {
  it('gives the same UUID for the same key and position, and another for any other', () => {
    const id = eventIdFromIdempotencyKey('order-42', 0);
    expect(eventIdFromIdempotencyKey('order-42', 0)).toBe(id);
    expect(eventIdFromIdempotencyKey('order-42', 1)).not.toBe(id);
    expect(eventIdFromIdempotencyKey('order-43', 0)).not.toBe(id);
  });

  it('is a lowercase version-8 UUID the event schema accepts', () => {
    const id = eventIdFromIdempotencyKey('k', 7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventSchema.shape.event_id.safeParse(id).success).toBe(true);
  });
});

describe('parseIdempotencyKey', () => {
  it('takes a bare token or a quoted structured-field string', () => {
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('"retry-1"')).toBe('retry-1');
  });

  it.each([[''], ['""'], ['has space'], ['é'], ['x'.repeat(256)]])('refuses %j', (header) => {
    expect(parseIdempotencyKey(header)).toBeUndefined();
  });
});
