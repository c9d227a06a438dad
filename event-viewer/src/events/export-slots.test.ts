import { describe, expect, it } from 'vitest';
import { createExportSlots } from './export-slots.js';

describe('export slots', () => {
  it('admit at most `total` at once and `perClient` per client, and free a slot once released', () => {
    const slots = createExportSlots(3, 2);
    const a1 = slots.take('a');
    const a2 = slots.take('a');
    expect(typeof a1).toBe('function');
    expect(typeof a2).toBe('function');
    expect(slots.take('a')).toBe('client');
    const b1 = slots.take('b');
    expect(typeof b1).toBe('function');
    expect(slots.take('c')).toBe('total');
    expect(slots.running).toBe(3);
    (a1 as () => void)();
    expect(slots.running).toBe(2);
    expect(typeof slots.take('c')).toBe('function');
    expect(slots.take('a')).toBe('total');
  });

  it('release each export once, however often it is called, and forget a client with none running', () => {
    const slots = createExportSlots(2, 1);
    const release = slots.take('a') as () => void;
    release();
    release();
    expect(slots.running).toBe(0);
    expect(slots.clients).toBe(0);
    const again = slots.take('a') as () => void;
    expect(slots.take('a')).toBe('client');
    expect(typeof slots.take('b')).toBe('function');
    again();
    expect(slots.clients).toBe(1);
  });

  it('count a client’s exports one by one: releasing one of two leaves the other counted', () => {
    const slots = createExportSlots(10, 2);
    const first = slots.take('a') as () => void;
    slots.take('a');
    first();
    expect(typeof slots.take('a')).toBe('function');
    expect(slots.take('a')).toBe('client');
  });
});
