import { describe, expect, it } from 'vitest';
import { createLru, createNewestPageCache } from './memo.js';

describe('createLru', () => {
  it('keeps the most recently used entries within its capacity', () => {
    const lru = createLru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2]);
  });
});

describe('createNewestPageCache', () => {
  it('answers for at most its time to live, counted from when the page was read', () => {
    let now = 1_000;
    const cache = createNewestPageCache<string>(250, () => now);
    cache.set('json|50', 'page', 1_000);
    now = 1_249;
    expect(cache.get('json|50')).toBe('page');
    now = 1_250;
    expect(cache.get('json|50')).toBeUndefined();
  });

  it('forgets everything when the live stream brings new events, and caches nothing with a zero time to live', () => {
    const cache = createNewestPageCache<string>(250, () => 0);
    cache.set('a', 'page', 0);
    cache.invalidate();
    expect(cache.get('a')).toBeUndefined();
    const off = createNewestPageCache<string>(0, () => 0);
    off.set('a', 'page', 0);
    expect(off.get('a')).toBeUndefined();
  });
});
