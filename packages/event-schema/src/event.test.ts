import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSchema, RESERVED_FIELDS, reservedFieldAccepts, timestampSchema, userIdSchema } from './event.js';

const firstMessage = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? 'accepted' : result.error!.issues[0]!.message;

describe('the event schema says why, in words a client can act on', () => {
  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(129), 'must be at most 128 characters'],
    ['a\tb', 'must not contain whitespace or control characters'],
    ['..', 'must not be "." or ".." (path segments a browser removes from a link)'],
    ['a\ud800b', 'must be well-formed Unicode (no lone surrogates)'],
  ])('user_id %j: %s', (userId, message) => {
    expect(firstMessage(userIdSchema.safeParse(userId))).toBe(message);
  });

  it('takes a user_id of exactly 128 characters', () => {
    expect(firstMessage(userIdSchema.safeParse('x'.repeat(128)))).toBe('accepted');
  });

  it.each([
    [1.5, 'must be an integer of epoch milliseconds'],
    [-1, 'must not be before 1970'],
    [8.64e15 + 1, 'is beyond the largest date'],
  ])('timestamp %s: %s', (timestamp, message) => {
    expect(firstMessage(timestampSchema.safeParse(timestamp))).toBe(message);
  });

  it('takes the first and the last instant a Date can hold', () => {
    expect([0, 8.64e15].map((t) => firstMessage(timestampSchema.safeParse(t)))).toEqual(['accepted', 'accepted']);
  });

  it('event_id: must be a UUID; every other field is kept', () => {
    expect(firstMessage(eventSchema.safeParse({ event_id: 'x', user_id: 'u', timestamp: 0 }))).toBe('must be a UUID');
    const event = {
      event_id: '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69',
      user_id: 'u',
      timestamp: 0,
      action: 'a',
      payload: { n: 1 },
    };
    expect(eventSchema.parse(event)).toEqual(event);
  });
});

// Values near each rule's edges, and of every other type: the predicates must agree with the schemas on all of them.
const hex = fc.constantFrom(...'0123456789abcdefABCDEF');
const nearUuid = fc
  .tuple(fc.uuid(), fc.nat(35), hex, fc.constantFrom('', ' ', '-', 'x', '0'), fc.boolean())
  .map(([uuid, at, digit, extra, upper]) => {
    const changed = `${uuid.slice(0, at)}${digit}${uuid.slice(at + 1)}${extra}`;
    return upper ? changed.toUpperCase() : changed;
  });
const nearUserId = fc.oneof(
  fc.string({ maxLength: 130 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('.', '..', '...', 'x'.repeat(128), 'x'.repeat(129), '\u00a0', 'a\u2028', '\ud800', '\u200b'),
);
const nearTimestamp = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.constantFrom(8.64e15, 8.64e15 + 1, 8.64e15 - 1, 0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
  fc.double(),
  fc.maxSafeInteger(),
);
// An array of one string reads as that string to a RegExp's test: only a type check keeps it out.
const anyValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.object(),
  fc.array(fc.nat()),
  fc.oneof(fc.uuid(), fc.string()).map((text) => [text]),
);
const candidates = { event_id: nearUuid, user_id: nearUserId, timestamp: nearTimestamp };

describe('reservedFieldAccepts: the schemas as plain predicates, for the consumer', () => {
  it.each(RESERVED_FIELDS)('%s: accepts exactly what its schema accepts', (field) => {
    const schema = eventSchema.shape[field];
    fc.assert(
      fc.property(fc.oneof(candidates[field], anyValue), (value) => {
        expect(reservedFieldAccepts[field](value), JSON.stringify(value)).toBe(schema.safeParse(value).success);
      }),
      { numRuns: 5_000 },
    );
  });
});
