import { describe, expect, it } from 'vitest';
import { filterOf, filterParams, isFiltered, matchesFilter, parseFilter } from './event-filter.js';

const event = (fields: Record<string, unknown>) => ({ json: JSON.stringify(fields), timestamp: 0 });

describe('the event filter', () => {
  it('is read from query parameters, and written back to the same parameters', () => {
    const query = { user_id: 'ada', action: 'buy', q: 'Red', where: 'payload.n>1', limit: '5' };
    const filter = parseFilter(query);
    expect(filter).toEqual({ userId: 'ada', action: 'buy', text: 'Red', where: 'payload.n>1' });
    expect(Object.fromEntries(filterParams(filter))).toEqual({
      user_id: 'ada',
      action: 'buy',
      q: 'Red',
      where: 'payload.n>1',
    });
    expect(parseFilter({ limit: '5' })).toEqual({});
  });

  it('refuses a value that could never match, naming its parameter', () => {
    expect(() => parseFilter({ user_id: 'a b' })).toThrow(
      expect.objectContaining({ details: { parameter: 'user_id' } }),
    );
    expect(() => parseFilter({ where: 'payload.n>' })).toThrow(
      expect.objectContaining({ details: { parameter: 'where' } }),
    );
    expect(() => parseFilter({ q: 'x'.repeat(201) })).toThrow(/at most 200 characters/);
  });

  it('keeps only its own fields of a page query, none of them undefined', () => {
    const copied = filterOf({ userId: 'ada', action: undefined, limit: 5, skip: 0 } as Parameters<typeof filterOf>[0]);
    expect(copied).toStrictEqual({ userId: 'ada' });
    expect(isFiltered(copied)).toBe(true);
    expect(isFiltered(filterOf({ action: undefined }))).toBe(false);
  });

  it('matches an event only when every field given holds', () => {
    const stored = event({ user_id: 'ada', action: 'buy', payload: { n: 2, colour: 'RED' } });
    expect(matchesFilter(stored, {})).toBe(true);
    expect(matchesFilter(stored, { userId: 'ada', action: 'buy', text: 'red', where: 'payload.n>1' })).toBe(true);
    expect(matchesFilter(stored, { userId: 'ada', action: 'view' })).toBe(false);
    expect(matchesFilter(stored, { where: 'payload.n>2' })).toBe(false);
    expect(matchesFilter(event({ user_id: 'bob' }), { userId: 'ada' })).toBe(false);
  });
});
