import { describe, expect, it } from 'vitest';
import { nextPageQuery, pageQueryString, parsePageQuery } from './page-query.js';

describe('parsePageQuery', () => {
  it('uses the default limit and no cursor when none is given', () => {
    expect(parsePageQuery({}, 50, 1000)).toEqual({ limit: 50, skip: 0 });
  });

  it('reads limit, before and skip', () => {
    expect(parsePageQuery({ limit: '10', before: '1700000000000', skip: '2' }, 50, 1000)).toEqual({
      limit: 10,
      before: 1700000000000,
      skip: 2,
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '-5' }, 'limit'],
    [{ limit: '1e3' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ before: 'yesterday' }, 'before'],
    [{ before: '99999999999999999' }, 'before'],
    [{ skip: 'x' }, 'skip'],
  ])('refuses %j naming %s', (query, parameter) => {
    expect(() => parsePageQuery(query, 50, 1000)).toThrow(
      expect.objectContaining({ code: 'invalid_query', status: 400, details: { parameter } }),
    );
  });
});

describe('nextPageQuery', () => {
  it('has no next page after a short page', () => {
    expect(nextPageQuery({ limit: 3, skip: 0 }, [30, 20])).toBeUndefined();
  });

  it('continues strictly before the last timestamp when it is unique', () => {
    expect(nextPageQuery({ limit: 3, skip: 0 }, [30, 20, 10])).toEqual({ limit: 3, before: 11, skip: 1 });
  });

  it('skips every event already shown at a timestamp that spans pages', () => {
    const first = nextPageQuery({ limit: 3, skip: 0 }, [30, 10, 10])!;
    expect(first).toEqual({ limit: 3, before: 11, skip: 2 });
    const second = nextPageQuery(first, [10, 10, 10])!;
    expect(second).toEqual({ limit: 3, before: 11, skip: 5 });
    expect(pageQueryString(second)).toBe('limit=3&before=11&skip=5');
  });
});
