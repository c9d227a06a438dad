import { describe, expect, it } from 'vitest';
import { nextPageQuery, pageQueryString, parseFilter, parsePageQuery } from './page-query.js';

describe('parsePageQuery', () => {
  it('uses the default limit and no cursor when none is given', () => {
    expect(parsePageQuery({}, 50, 1000)).toEqual({ limit: 50, skip: 0 });
  });

  it('reads limit, before, skip and the filters', () => {
    expect(parsePageQuery({ limit: '10', before: '1700000000000', skip: '2', user_id: 'alice', action: 'login' }, 50, 1000)).toEqual({
      limit: 10,
      before: 1700000000000,
      skip: 2,
      userId: 'alice',
      action: 'login',
    });
  });

  it('reads before as an ISO-8601 date-time, a zoneless one (a datetime-local field) as UTC', () => {
    expect(parsePageQuery({ before: '2026-11-28T10:30' }, 50, 1000).before).toBe(Date.UTC(2026, 10, 28, 10, 30));
    expect(parsePageQuery({ before: '2026-11-28T10:30:15+01:00' }, 50, 1000).before).toBe(Date.UTC(2026, 10, 28, 9, 30, 15));
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
