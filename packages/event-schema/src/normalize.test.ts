import { describe, expect, it } from 'vitest';
import { eventSchema } from './event.js';
import { normalizeEvent } from './normalize.js';
import { parseIsoTimestamp } from './timestamp.js';

const NOW = Date.UTC(2025, 0, 1);
const FIXED = { now: () => NOW, newEventId: () => '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69', newUserId: () => 'anon-1' };

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
      '{"event_id":"0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69","user_id":"anon-1","timestamp":1735689600000,' +
        '"action":"click","payload":{"page":"/a"}}',
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
    expect(accepted({ event_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }).event.event_id).toBe(
      'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    );
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
    ['only a dot: a path segment browsers remove from /events/.', '.'],
    ['only two dots: a path segment browsers resolve away from /events/..', '..'],
  ])('refuses a user_id with %s', (_name, userId) => {
    expect(rejected({ user_id: userId })).toMatchObject({ code: 'invalid_field', path: 'user_id' });
  });

  it('keeps user_ids that only contain dots among other characters', () => {
    for (const id of ['...', '.a', 'a.', 'a..b', '.hidden']) expect(accepted({ user_id: id }).event.user_id).toBe(id);
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
    expect(accepted({ timestamp: '2024-02-03T04:05:06.789Z' }).event.timestamp).toBe(
      Date.UTC(2024, 1, 3, 4, 5, 6, 789),
    );
    expect(accepted({ timestamp: '2024-02-03T04:05:06+02:00' }).event.timestamp).toBe(Date.UTC(2024, 1, 3, 2, 5, 6));
    expect(accepted({ timestamp: '2024-02-03' }).event.timestamp).toBe(Date.UTC(2024, 1, 3));
  });

  it.each([
    ['a zoneless date-time', '2024-02-03T04:05:06'],
    ['words', 'yesterday'],
    ['an impossible date', '2024-13-45T00:00:00Z'],
    ['the 30th of February', '2024-02-30T10:00:00Z'],
    ['the 29th of February of a common year', '2023-02-29'],
    ['the 31st of April', '2024-04-31T00:00:00+02:00'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['minute 60', '2024-05-01T10:60:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['an offset of 24 hours', '2024-05-01T10:00:00+24:00'],
    ['a fraction', 1.5],
    ['a negative', -1],
    ['a huge number', 1e300],
    ['a boolean', true],
  ])('refuses a timestamp that is %s', (_name, timestamp) => {
    expect(rejected({ timestamp })).toMatchObject({ code: 'invalid_field', path: 'timestamp' });
  });

  it('accepts the 29th of February of a leap year and reads fractions to the millisecond', () => {
    expect(accepted({ timestamp: '2024-02-29T12:00:00.123456Z' }).event.timestamp).toBe(
      Date.UTC(2024, 1, 29, 12, 0, 0, 123),
    );
    expect(accepted({ timestamp: '2000-02-29' }).event.timestamp).toBe(Date.UTC(2000, 1, 29));
  });

  it('reads years before 100 as themselves, not as 19xx', () => {
    const parsed = parseIsoTimestamp('0099-06-01T00:00:00Z');
    expect(parsed.ok && new Date(parsed.value).getUTCFullYear()).toBe(99);
  });

  it('refuses a timestamp more than five minutes ahead of the clock or before 2000, naming the bounds', () => {
    expect(accepted({ timestamp: NOW + 5 * 60_000 }).event.timestamp).toBe(NOW + 5 * 60_000);
    const future = rejected({ timestamp: NOW + 5 * 60_000 + 1 });
    expect(future).toMatchObject({ code: 'invalid_field', path: 'timestamp' });
    expect(future.message).toContain('2000-01-01T00:00:00.000Z');
    expect(future.message).toContain('2025-01-01T00:05:00.000Z');
    expect(rejected({ timestamp: '9999-12-31T00:00:00Z' })).toMatchObject({ path: 'timestamp' });
    expect(rejected({ timestamp: Date.UTC(1999, 11, 31, 23, 59, 59, 999) })).toMatchObject({ path: 'timestamp' });
    expect(rejected({ timestamp: 1_700_000_000 })).toMatchObject({ path: 'timestamp' });
  });

  it('takes its window from the options, or none at all', () => {
    const narrow = { ...FIXED, timestampWindow: { minMs: NOW - 1_000, maxFutureMs: 0 } };
    expect(rejected({ timestamp: NOW + 1 }, narrow)).toMatchObject({ path: 'timestamp' });
    expect(rejected({ timestamp: NOW - 1_001 }, narrow)).toMatchObject({ path: 'timestamp' });
    expect(accepted({ timestamp: '9999-12-31T00:00:00Z' }, { ...FIXED, timestampWindow: null }).event.timestamp).toBe(
      Date.UTC(9999, 11, 31),
    );
  });

  it('refuses a user_id with a lone surrogate, which UTF-8 would turn into another id', () => {
    expect(rejected({ user_id: 'a\ud800' })).toMatchObject({ code: 'invalid_field', path: 'user_id' });
    expect(rejected({ user_id: '\udfffb' })).toMatchObject({ code: 'invalid_field', path: 'user_id' });
    expect(accepted({ user_id: 'emoji-\ud83d\ude00' }).event.user_id).toBe('emoji-😀');
  });

  it('stores a client event_id in lowercase, so differently cased retries are one event', () => {
    expect(accepted({ event_id: 'F47AC10B-58CC-4372-A567-0E02B2C3D479' }).event.event_id).toBe(
      'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    );
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
    expect(rejected(JSON.parse('{"payload": {"n": 1e400}}'))).toMatchObject({
      code: 'invalid_number',
      path: 'payload.n',
    });
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

describe('normalizeEvent, word for word', () => {
  it('fills user_id and timestamp when null as when absent', () => {
    expect(accepted({ user_id: null, timestamp: null }).event).toMatchObject({ user_id: 'anon-1', timestamp: NOW });
  });

  it('names each refusal of a reserved field with its path and message', () => {
    expect(rejected('x')).toEqual({ code: 'not_object', message: 'an event must be a JSON object' });
    expect(rejected({ event_id: 'nope' })).toEqual({
      code: 'invalid_field',
      message: 'event_id must be a UUID',
      path: 'event_id',
    });
    expect(rejected({ user_id: 1.5 })).toEqual({
      code: 'invalid_field',
      message: 'user_id must be a string or a safe integer',
      path: 'user_id',
    });
    expect(rejected({ user_id: true })).toEqual({
      code: 'invalid_field',
      message: 'user_id must be a string or an integer',
      path: 'user_id',
    });
    expect(rejected({ user_id: '' })).toEqual({
      code: 'invalid_field',
      message: 'user_id must not be empty',
      path: 'user_id',
    });
    expect(rejected({ timestamp: 1.5 })).toEqual({
      code: 'invalid_field',
      message: 'timestamp must be an integer of epoch milliseconds',
      path: 'timestamp',
    });
    expect(rejected({ timestamp: '2025-02-30' })).toEqual({
      code: 'invalid_field',
      message: 'timestamp "2025-02-30" is not a date on the calendar',
      path: 'timestamp',
    });
  });

  it('takes an event of exactly maxBytes of JSON and refuses one byte more, saying both sizes', () => {
    const base = accepted({ pad: '' }).json.length;
    expect(accepted({ pad: 'x'.repeat(10) }, { ...FIXED, maxBytes: base + 10 }).json).toHaveLength(base + 10);
    expect(rejected({ pad: 'x'.repeat(11) }, { ...FIXED, maxBytes: base + 10 })).toEqual({
      code: 'too_large',
      message: `event is ${base + 11} bytes of JSON, over the limit of ${base + 10}`,
    });
  });
});
