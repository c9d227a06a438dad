import { createLru } from '@eventstreamapp/service-kit';
import { describe, expect, it } from 'vitest';
import { createNewestPageCache } from './page-cache.js';

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
  const reader = (pages: string[]) => {
    let reads = 0;
    return {
      read: async () => pages[reads++]!,
      get reads() {
        return reads;
      },
    };
  };

  it('answers for at most its time to live, counted from when the page was read', async () => {
    let now = 1_000;
    const cache = createNewestPageCache<string>(250, () => now);
    const source = reader(['first', 'second']);
    expect(await cache.load('json|50', source.read)).toBe('first');
    now = 1_249;
    expect(cache.load('json|50', source.read)).toBe('first');
    now = 1_250;
    expect(await cache.load('json|50', source.read)).toBe('second');
    expect(source.reads).toBe(2);
  });

  it('holds only the pages read within its time to live: walking every limit does not pile them up', async () => {
    let now = 1_000;
    const cache = createNewestPageCache<string>(250, () => now);
    for (let limit = 1; limit <= 1_000; limit++) {
      now += 1;
      await cache.load(`html|${limit}`, async () => `page ${limit}`);
    }
    // Only the pages of the last 250 ms are kept.
    expect(cache.size).toBeLessThanOrEqual(250);
    expect(cache.load('html|1000', async () => 'again')).toBe('page 1000');
  });

  it('shares one read among the requests that miss together, and reads again after a failure', async () => {
    const cache = createNewestPageCache<string>(250, () => 0);
    let release!: (page: string) => void;
    let reads = 0;
    const slow = () => {
      reads++;
      return new Promise<string>((resolve) => {
        release = resolve;
      });
    };
    const waiting = [cache.load('a', slow), cache.load('a', slow), cache.load('a', slow)];
    release('page');
    expect(await Promise.all(waiting)).toEqual(['page', 'page', 'page']);
    expect(reads).toBe(1);

    const failing = createNewestPageCache<string>(250, () => 0);
    await expect(failing.load('a', () => Promise.reject(new Error('redis down')))).rejects.toThrow('redis down');
    expect(await failing.load('a', async () => 'recovered')).toBe('recovered');
  });

  it('forgets everything when the live stream brings events; caches nothing with a zero time to live', async () => {
    const cache = createNewestPageCache<string>(250, () => 0);
    const source = reader(['old', 'new']);
    await cache.load('a', source.read);
    cache.invalidate();
    expect(await cache.load('a', source.read)).toBe('new');
    const off = createNewestPageCache<string>(0, () => 0);
    const again = reader(['one', 'two']);
    await off.load('a', again.read);
    expect(await off.load('a', again.read)).toBe('two');
  });
});
