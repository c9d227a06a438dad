import { describe, expect, it } from 'vitest';
import { eventSchema, timestampSchema, userIdSchema } from './event.js';

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
