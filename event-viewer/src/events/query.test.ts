import { describe, expect, it } from 'vitest';
import { filterParams, isFiltered, matchesFilter, parseFilter } from '../model/event-filter.js';
import { nextPageQuery, pageQueryString, parsePageQuery } from './query.js';

describe('parsePageQuery', () => {
  it('uses the default limit and no cursor when none is given', () => {
    expect(parsePageQuery({}, 50, 1000)).toEqual({ limit: 50, skip: 0 });
  });

  it('reads limit, before, skip and the filters', () => {
    expect(
      parsePageQuery({ limit: '10', before: '1700000000000', skip: '2', user_id: 'alice', action: 'login' }, 50, 1000),
    ).toEqual({
      limit: 10,
      before: 1700000000000,
      skip: 2,
      userId: 'alice',
      action: 'login',
    });
  });

  it('reads before as an ISO-8601 date-time, a zoneless one (a datetime-local field) as UTC', () => {
    expect(parsePageQuery({ before: '2026-11-28T10:30' }, 50, 1000).before).toBe(Date.UTC(2026, 10, 28, 10, 30));
    expect(parsePageQuery({ before: '2026-11-28T10:30:15+01:00' }, 50, 1000).before).toBe(
      Date.UTC(2026, 10, 28, 9, 30, 15),
    );
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '-5' }, 'limit'],
    [{ limit: '1e3' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ before: 'yesterday' }, 'before'],
    [{ before: '2026-02-30T10:00' }, 'before'],
    [{ before: '99999999999999999' }, 'before'],
    [{ skip: 'x' }, 'skip'],
    [{ user_id: 'has space' }, 'user_id'],
    [{ user_id: ['a', 'b'] }, 'user_id'],
    [{ action: 'x'.repeat(201) }, 'action'],
    [{ action: 'lone \ud800' }, 'action'],
  ])('refuses %j naming %s', (query, parameter) => {
    expect(() => parsePageQuery(query, 50, 1000)).toThrow(
      expect.objectContaining({ code: 'invalid_query', status: 400, details: { parameter } }),
    );
  });

  it('treats empty filter fields (a submitted empty form) as no filter', () => {
    expect(parseFilter({ user_id: '', action: '' })).toEqual({});
  });
});

describe('nextPageQuery', () => {
  it('has no next page once the scan reached the end of the log', () => {
    expect(nextPageQuery({ limit: 3, skip: 0 }, [30, 20], true)).toBeUndefined();
  });

  it('continues strictly before the last timestamp read when it is unique', () => {
    expect(nextPageQuery({ limit: 3, skip: 0 }, [30, 20, 10], false)).toEqual({ limit: 3, before: 11, skip: 1 });
  });

  it('skips every event already read at a timestamp that spans pages', () => {
    const first = nextPageQuery({ limit: 3, skip: 0 }, [30, 10, 10], false)!;
    expect(first).toEqual({ limit: 3, before: 11, skip: 2 });
    const second = nextPageQuery(first, [10, 10, 10], false)!;
    expect(second).toEqual({ limit: 3, before: 11, skip: 5 });
    expect(pageQueryString(second)).toBe('limit=3&before=11&skip=5');
  });

  it('continues after the last event read, not the last that matched, and keeps the filters', () => {
    const next = nextPageQuery({ limit: 2, skip: 0, userId: 'bob', action: 'a b' }, [50, 40, 30, 20], false)!;
    expect(next).toEqual({ limit: 2, before: 21, skip: 1, userId: 'bob', action: 'a b' });
    expect(pageQueryString(next)).toBe('limit=2&before=21&skip=1&user_id=bob&action=a+b');
  });
});

describe('the page query, at its edges and in its words', () => {
  const refusal = (query: Record<string, unknown>) => {
    try {
      parsePageQuery(query, 50, 1000);
    } catch (err) {
      const { code, message, details } = err as { code: string; message: string; details?: unknown };
      return { code, message, details };
    }
    throw new Error('accepted');
  };

  it('takes limit and skip at both ends of their range and refuses one past, naming the parameter', () => {
    expect(parsePageQuery({ limit: '1', skip: '1000000' }, 50, 1000)).toEqual({ limit: 1, skip: 1_000_000 });
    expect(parsePageQuery({ limit: '1000', skip: '0' }, 50, 1000)).toEqual({ limit: 1000, skip: 0 });
    expect(refusal({ limit: '0' })).toEqual({
      code: 'invalid_query',
      message: 'limit must be between 1 and 1000',
      details: { parameter: 'limit' },
    });
    expect(refusal({ limit: '1001' })).toMatchObject({ message: 'limit must be between 1 and 1000' });
    expect(refusal({ skip: '1000001' })).toEqual({
      code: 'invalid_query',
      message: 'skip must be between 0 and 1000000',
      details: { parameter: 'skip' },
    });
    for (const bad of ['-1', '1.5', '1e3', ' 1', 'x', '12345678901234567']) {
      expect(refusal({ limit: bad }), bad).toEqual({
        code: 'invalid_query',
        message: 'limit must be a whole number',
        details: { parameter: 'limit' },
      });
    }
    expect(refusal({ limit: ['1', '2'] })).toMatchObject({ message: 'limit must be given once' });
  });

  it('reads before as epoch ms up to the largest date and one past it, and as dates, saying what is wrong', () => {
    expect(parsePageQuery({ before: '0' }, 50, 1000).before).toBe(0);
    expect(parsePageQuery({ before: String(8.64e15 + 1) }, 50, 1000).before).toBe(8.64e15 + 1);
    expect(refusal({ before: String(8.64e15 + 2) })).toMatchObject({
      message: `before must be between 0 and ${8.64e15 + 1}`,
    });
    expect(parsePageQuery({ before: '2026-11-28' }, 50, 1000).before).toBe(Date.UTC(2026, 10, 28));
    expect(parsePageQuery({ before: '2026-11-28T10:30:15.25' }, 50, 1000).before).toBe(
      Date.UTC(2026, 10, 28, 10, 30, 15, 250),
    );
    expect(parsePageQuery({ before: '2026-11-28T12:30+02:00' }, 50, 1000).before).toBe(Date.UTC(2026, 10, 28, 10, 30));
    expect(refusal({ before: '2026-02-30' })).toEqual({
      code: 'invalid_query',
      message: 'before: timestamp "2026-02-30" is not a date on the calendar',
      details: { parameter: 'before' },
    });
    expect(refusal({ before: '2026-11-28T10' })).toMatchObject({
      message: 'before: timestamp must be epoch milliseconds or an ISO-8601 date-time with a zone',
    });
    expect(refusal({ before: 'x2026-11-28' })).toMatchObject({ message: 'before must be a whole number' });
    expect(parsePageQuery({ before: '' }, 50, 1000)).toEqual({ limit: 50, skip: 0 });
  });

  it('refuses a filter given twice, a user_id the schema refuses, an action past 200 characters or not text', () => {
    expect(() => parseFilter({ user_id: ['a', 'b'] })).toThrow(
      expect.objectContaining({ message: 'user_id must be given once', details: { parameter: 'user_id' } }),
    );
    expect(() => parseFilter({ user_id: 'a b' })).toThrow(
      expect.objectContaining({ message: 'user_id must not contain whitespace or control characters' }),
    );
    expect(parseFilter({ action: 'a'.repeat(200) }).action).toHaveLength(200);
    for (const action of ['a'.repeat(201), 'a\ud800']) {
      expect(() => parseFilter({ action }), action.slice(0, 10)).toThrow(
        expect.objectContaining({
          message: 'action must be at most 200 characters of text',
          details: { parameter: 'action' },
        }),
      );
    }
    expect(parseFilter({ user_id: 'alice' })).toEqual({ userId: 'alice' });
    expect(parseFilter({ action: 'login' })).toEqual({ action: 'login' });
  });

  it('tells a filtered query from an unfiltered one', () => {
    expect([
      isFiltered({}),
      isFiltered({ userId: 'a' }),
      isFiltered({ action: 'b' }),
      isFiltered({ userId: 'a', action: 'b' }),
    ]).toEqual([false, true, true, true]);
  });

  it('no next page after an empty scan; 0 skipped when the cursor moved; only what is set goes into the link', () => {
    expect(nextPageQuery({ limit: 5, skip: 0 }, [], false)).toBeUndefined();
    // The previous page started at another millisecond: its skip does not carry over.
    expect(nextPageQuery({ limit: 5, before: 100, skip: 3 }, [50, 40], false)).toEqual({
      limit: 5,
      before: 41,
      skip: 1,
    });
    expect(pageQueryString({ limit: 5, skip: 0 })).toBe('limit=5');
    expect(pageQueryString({ limit: 5, skip: 0, before: 0 })).toBe('limit=5&before=0');
    expect(pageQueryString({ limit: 5, skip: 2, before: 9, userId: 'a b', action: 'c&d' })).toBe(
      'limit=5&before=9&skip=2&user_id=a+b&action=c%26d',
    );
  });
});

describe('search in the page query', () => {
  it('reads q and where, refuses a where that is no condition, and carries both into the next page', () => {
    const query = parsePageQuery({ q: 'Red', where: 'payload.amount>10', limit: '5' }, 50, 100);
    expect(query).toMatchObject({ text: 'Red', where: 'payload.amount>10', limit: 5 });
    const next = nextPageQuery(query, [30, 20, 20], false)!;
    expect(next).toEqual({ limit: 5, before: 21, skip: 2, text: 'Red', where: 'payload.amount>10' });
    expect(new URLSearchParams(pageQueryString(next)).get('q')).toBe('Red');
    expect(new URLSearchParams(pageQueryString(next)).get('where')).toBe('payload.amount>10');
    expect(() => parsePageQuery({ where: 'payload.amount>ten' }, 50, 100)).toThrow(/where > compares numbers/);
    expect(() => parsePageQuery({ q: 'x'.repeat(201) }, 50, 100)).toThrow(/q must be at most 200/);
  });
});

describe('a search filter on stored events', () => {
  const stored = (payload: object) => ({
    json: JSON.stringify({ user_id: 'u', action: 'buy', timestamp: 1, payload }),
    timestamp: 1,
  });

  it('keeps the events whose values hold the text and meet the condition, both at once', () => {
    const filter = parseFilter({ q: 'RED', where: 'payload.item_id=item-220' });
    expect(isFiltered(filter)).toBe(true);
    expect(isFiltered(parseFilter({ q: 'x' }))).toBe(true);
    expect(isFiltered(parseFilter({ where: 'payload.x' }))).toBe(true);
    expect(matchesFilter(stored({ item_id: 'item-220', colour: 'red' }), filter)).toBe(true);
    expect(matchesFilter(stored({ item_id: 'item-220', colour: 'blue' }), filter)).toBe(false);
    expect(matchesFilter(stored({ item_id: 'item-221', colour: 'red' }), filter)).toBe(false);
    expect(matchesFilter({ json: 'not json', timestamp: 1 }, filter)).toBe(false);
  });
});

describe('parseFilter and matchesFilter, field by field', () => {
  const stored = (fields: object) => ({ json: JSON.stringify(fields), timestamp: 1 });
  const ada = stored({ user_id: 'ada', action: 'login', payload: { n: 1 } });

  it('reads only what was given, and nothing for empty values', () => {
    expect(parseFilter({})).toStrictEqual({});
    expect(parseFilter({ user_id: '', action: '', q: '', where: '' })).toStrictEqual({});
    expect(parseFilter({ user_id: 'ada' })).toStrictEqual({ userId: 'ada' });
    expect(parseFilter({ action: 'login' })).toStrictEqual({ action: 'login' });
    expect(parseFilter({ q: 'x' })).toStrictEqual({ text: 'x' });
    expect(parseFilter({ where: 'payload.n=1' })).toStrictEqual({ where: 'payload.n=1' });
    expect([...filterParams({ userId: 'ada', action: 'a', text: 't', where: 'w' })]).toEqual([
      ['user_id', 'ada'],
      ['action', 'a'],
      ['q', 't'],
      ['where', 'w'],
    ]);
  });

  it('bounds q at 200 and where at 300 characters of well-formed text', () => {
    expect(parseFilter({ q: 'x'.repeat(200) }).text).toHaveLength(200);
    expect(() => parseFilter({ q: '\uD800' })).toThrow(/q must be at most 200 characters of text/);
    expect(parseFilter({ where: `a=${'x'.repeat(298)}` }).where).toHaveLength(300);
    expect(() => parseFilter({ where: `a=${'x'.repeat(299)}` })).toThrow(
      /where must be at most 300 characters of text/,
    );
    expect(() => parseFilter({ where: 'a=\uD800' })).toThrow(/where must be at most 300/);
    expect(() => parseFilter({ user_id: ' ' })).toThrow(/user_id/);
  });

  it('keeps an event only when every given part matches', () => {
    expect(matchesFilter(ada, {})).toBe(true);
    expect(matchesFilter({ json: 'not json', timestamp: 1 }, {})).toBe(true);
    expect(matchesFilter(ada, { userId: 'ada' })).toBe(true);
    expect(matchesFilter(ada, { userId: 'bob' })).toBe(false);
    expect(matchesFilter(ada, { action: 'login' })).toBe(true);
    expect(matchesFilter(ada, { action: 'logout' })).toBe(false);
    expect(matchesFilter(ada, { text: 'LOG' })).toBe(true);
    expect(matchesFilter(ada, { text: 'bob' })).toBe(false);
    expect(matchesFilter(ada, { where: 'payload.n=1' })).toBe(true);
    expect(matchesFilter(ada, { where: 'payload.n=2' })).toBe(false);
    expect(matchesFilter({ json: 'not json', timestamp: 1 }, { userId: 'ada' })).toBe(false);
  });
});
