import { describe, expect, it } from 'vitest';
import { eventSchema } from './event.js';
import { normalizeEvent } from './normalize.js';

const FIXED = { now: () => 1_700_000_000_000, newEventId: () => '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69', newUserId: () => 'anon-1' };

function accepted(input: unknown, options = FIXED) {
  const result = normalizeEvent(input, options);
  if (!result.ok) throw new Error(`expected acceptance, got ${JSON.stringify(result.rejection)}`);
  return result.value;
}

function rejected(input: unknown, options = FIXED) {
  const result = normalizeEvent(input, options);
  if (result.ok) throw new Error(`expected rejection, got ${result.value.json}`);
  return result.rejection;
}

describe('normalizeEvent', () => {
  it('fills event_id, user_id and timestamp when absent and keeps client fields in order', () => {
    const { event, json } = accepted({ action: 'click', payload: { page: '/a' } });
    expect(json).toBe(
      '{"event_id":"0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69","user_id":"anon-1","timestamp":1700000000000,"action":"click","payload":{"page":"/a"}}',
    );
    expect(eventSchema.parse(JSON.parse(json))).toEqual(event);
  });

  it('generates a fresh UUID and user id per event by default', () => {
    const a = accepted({}, {} as typeof FIXED).event;
    const b = accepted({}, {} as typeof FIXED).event;
    expect(a.event_id).not.toBe(b.event_id);
    expect(a.user_id).toMatch(/^anon-[0-9a-f]{12}$/);
    expect(a.user_id).not.toBe(b.user_id);
  });

  it('keeps a client-supplied UUID event_id and refuses anything else', () => {
    expect(accepted({ event_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }).event.event_id).toBe('f47ac10b-58cc-4372-a567-0e02b2c3d479');
    expect(rejected({ event_id: 'abc' })).toMatchObject({ code: 'invalid_field', path: 'event_id' });
    expect(rejected({ event_id: 42 })).toMatchObject({ code: 'invalid_field', path: 'event_id' });
  });

  it('normalizes an integer user_id to its string', () => {
    expect(accepted({ user_id: 42 }).event.user_id).toBe('42');
    expect(rejected({ user_id: 1.5 })).toMatchObject({ path: 'user_id' });
    expect(rejected({ user_id: 2 ** 60 })).toMatchObject({ path: 'user_id' });
  });

  it.each([
    ['empty', ''],
    ['space', 'a b'],
    ['tab', 'a\tb'],
    ['newline', 'a\nb'],
    ['NUL', 'a\u0000b'],
    ['zero-width space', 'a\u200bb'],
    ['no-break space', 'a\u00a0b'],
    ['line separator', 'a\u2028b'],
    ['129 characters', 'x'.repeat(129)],
  ])('refuses a user_id with %s', (_name, userId) => {
    expect(rejected({ user_id: userId })).toMatchObject({ code: 'invalid_field', path: 'user_id' });
  });

  it('accepts a 128-character user_id with punctuation and non-Latin letters', () => {
    expect(accepted({ user_id: 'x'.repeat(128) }).event.user_id).toHaveLength(128);
    expect(accepted({ user_id: 'ユーザー:42/é' }).event.user_id).toBe('ユーザー:42/é');
  });

  it.each([[true], [{}], [['u1']]])('refuses a user_id of the wrong type %j', (userId) => {
    expect(rejected({ user_id: userId })).toMatchObject({ code: 'invalid_field', path: 'user_id' });
  });

  it('keeps an epoch-milliseconds timestamp and converts ISO-8601 with a zone', () => {
    expect(accepted({ timestamp: 1_600_000_000_123 }).event.timestamp).toBe(1_600_000_000_123);
    expect(accepted({ timestamp: '2024-02-03T04:05:06.789Z' }).event.timestamp).toBe(Date.UTC(2024, 1, 3, 4, 5, 6, 789));
    expect(accepted({ timestamp: '2024-02-03T04:05:06+02:00' }).event.timestamp).toBe(Date.UTC(2024, 1, 3, 2, 5, 6));
    expect(accepted({ timestamp: '2024-02-03' }).event.timestamp).toBe(Date.UTC(2024, 1, 3));
  });

  it.each([
    ['a zoneless date-time', '2024-02-03T04:05:06'],
    ['words', 'yesterday'],
    ['an impossible date', '2024-13-45T00:00:00Z'],
    ['a fraction', 1.5],
    ['a negative', -1],
    ['a huge number', 1e300],
    ['a boolean', true],
  ])('refuses a timestamp that is %s', (_name, timestamp) => {
    expect(rejected({ timestamp })).toMatchObject({ code: 'invalid_field', path: 'timestamp' });
  });

  it.each([[null], [[]], ['text'], [42], [true]])('refuses the non-object %j', (input) => {
    expect(rejected(input)).toMatchObject({ code: 'not_object' });
  });

  it('refuses a __proto__ key at any depth without touching any prototype', () => {
    const top = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(rejected(top)).toMatchObject({ code: 'forbidden_key', path: '__proto__' });
    const deep = JSON.parse('{"payload": {"list": [{"__proto__": {"polluted": true}}]}}');
    expect(rejected(deep)).toMatchObject({ code: 'forbidden_key', path: 'payload.list[0].__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a "constructor" field as plain data', () => {
    const { event, json } = accepted(JSON.parse('{"constructor": {"prototype": {"x": 1}}}'));
    expect(JSON.parse(json).constructor).toEqual({ prototype: { x: 1 } });
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses numbers JSON can write but JavaScript cannot hold', () => {
    expect(rejected(JSON.parse('{"payload": {"n": 1e400}}'))).toMatchObject({ code: 'invalid_number', path: 'payload.n' });
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`);
    expect(rejected(deep)).toMatchObject({ code: 'too_deep' });
  });

  it('refuses an event whose JSON exceeds the size limit, counting bytes not characters', () => {
    expect(rejected({ blob: 'x'.repeat(70_000) })).toMatchObject({ code: 'too_large' });
    expect(rejected({ blob: 'é'.repeat(600) }, { ...FIXED, maxBytes: 1000 })).toMatchObject({ code: 'too_large' });
    expect(accepted({ blob: 'e'.repeat(600) }, { ...FIXED, maxBytes: 1000 }).event.blob).toHaveLength(600);
  });
});
