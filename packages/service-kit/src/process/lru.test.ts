import { describe, expect, it } from 'vitest';
import { createLru } from './lru.js';

describe('createLru', () => {
  it('keeps at most `capacity` entries, forgetting the least recently used (a get counts as a use)', () => {
    const lru = createLru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    expect([lru.size, lru.weight]).toEqual([2, 2]);
    expect(lru.get('missing')).toBeUndefined();
  });

  it('replaces a key in place without counting it twice', () => {
    const lru = createLru<number>(2);
    lru.set('a', 1);
    lru.set('a', 2);
    lru.set('b', 3);
    expect([lru.get('a'), lru.get('b'), lru.size, lru.weight]).toEqual([2, 3, 2, 2]);
  });

  it('bounds the summed weight, evicting as many old entries as a heavy one needs; refuses too heavy', () => {
    const lru = createLru<string>(10, (v) => v.length);
    lru.set('a', 'xxxx');
    lru.set('b', 'yyyy');
    lru.set('c', 'zz');
    expect(lru.weight).toBe(10);
    lru.set('d', 'wwwwwwww');
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.get('d')]).toEqual([undefined, undefined, 'zz', 'wwwwwwww']);
    expect(lru.weight).toBe(10);
    lru.set('e', 'v'.repeat(11));
    expect(lru.get('e')).toBeUndefined();
    expect([lru.size, lru.weight]).toEqual([2, 10]);
    // A replaced value gives its old weight back before the new one is counted.
    lru.set('c', 'z');
    expect(lru.weight).toBe(9);
    lru.set('c', 'v'.repeat(11));
    expect([lru.get('c'), lru.size, lru.weight]).toEqual([undefined, 1, 8]);
  });
});
