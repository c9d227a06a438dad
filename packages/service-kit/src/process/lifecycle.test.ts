import { describe, expect, it } from 'vitest';
import { closeInStages, once } from './lifecycle.js';

describe('once', () => {
  it('runs the function on the first call and returns the same promise to every call', async () => {
    let runs = 0;
    const stop = once(async () => {
      runs++;
      return runs;
    });
    const [a, b] = [stop(), stop()];
    expect(a).toBe(b);
    expect(await a).toBe(1);
    expect(await stop()).toBe(1);
    expect(runs).toBe(1);
  });
});

describe('closeInStages', () => {
  it('closes stage by stage, and every closer even when some fail, then names the failures', async () => {
    const order: string[] = [];
    const closer = (name: string, fail = false) =>
      [
        name,
        async () => {
          order.push(name);
          if (fail) throw new Error(`${name} broke`);
        },
      ] as const;
    const closing = closeInStages([
      [closer('http'), closer('publisher', true)],
      [closer('producer')],
      [closer('redis', true)],
    ]);
    await expect(closing).rejects.toBeInstanceOf(AggregateError);
    await closing.catch((err: AggregateError) => {
      expect(err.errors.map((e: Error) => e.message)).toEqual(['publisher: publisher broke', 'redis: redis broke']);
    });
    expect(order).toEqual(['http', 'publisher', 'producer', 'redis']);
  });

  it('resolves when everything closed', async () => {
    await expect(closeInStages([[['a', () => undefined]], [['b', async () => 1]]])).resolves.toBeUndefined();
  });
});
