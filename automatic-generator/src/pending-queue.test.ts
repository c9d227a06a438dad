import { describe, expect, it } from 'vitest';
import { PendingQueue } from './pending-queue.js';

describe('PendingQueue', () => {
  it('drops the oldest items beyond its capacity and says how many', () => {
    const queue = new PendingQueue<number>(3);
    expect(queue.add([1, 2])).toBe(0);
    expect(queue.add([3, 4, 5])).toBe(2);
    expect(queue.take()).toEqual([3, 4, 5]);
    expect(queue.size).toBe(0);
  });

  it('puts a failed batch back ahead of what was made meanwhile, still within capacity', () => {
    const queue = new PendingQueue<number>(4);
    queue.add([1, 2, 3]);
    const batch = queue.take();
    queue.add([4, 5]);
    expect(queue.putBack(batch)).toBe(1);
    expect(queue.take()).toEqual([2, 3, 4, 5]);
  });
});
