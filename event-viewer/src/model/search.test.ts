import { describe, expect, it } from 'vitest';
import { containsText, meetsCondition, parseCondition } from './search.js';

const event = {
  event_id: 'e1',
  user_id: 'alice',
  timestamp: 5,
  action: 'Buy',
  payload: { item_id: 'item-220', amount: 12.5, tags: ['Red'], gift: false, note: null },
};

describe('where= conditions', () => {
  it('parse a path, an operator and a value; a path alone is exists', () => {
    expect(parseCondition('payload.item_id=item-220')).toEqual({
      path: ['payload', 'item_id'],
      op: '=',
      value: 'item-220',
    });
    expect(parseCondition('payload.amount>=10')).toEqual({ path: ['payload', 'amount'], op: '>=', value: '10' });
    expect(parseCondition('payload.note!=')).toEqual({ path: ['payload', 'note'], op: '!=', value: '' });
    expect(parseCondition('payload.tags.0')).toEqual({ path: ['payload', 'tags', '0'], op: 'exists', value: '' });
    // The first operator splits: the value may hold any character, = included.
    expect(parseCondition('payload.q=a=b<c')).toEqual({ path: ['payload', 'q'], op: '=', value: 'a=b<c' });
  });

  it('refuse a path that is not dotted names, too deep a path, and a comparison with no number', () => {
    expect(parseCondition('payload..item')).toMatch(/dot-separated names/);
    expect(parseCondition('a b=1')).toMatch(/dot-separated names/);
    expect(parseCondition(Array.from({ length: 9 }, () => 'a').join('.'))).toMatch(/at most 8/);
    expect(parseCondition('=1')).toMatch(/must be a path/);
    for (const bad of ['payload.amount>x', 'payload.amount<', 'payload.amount>=Infinity'])
      expect(parseCondition(bad), bad).toMatch(/compares numbers/);
  });

  const holds = (text: string) =>
    meetsCondition(event, parseCondition(text) as Exclude<ReturnType<typeof parseCondition>, string>);

  it('compare strings as they are and other values as JSON', () => {
    expect(holds('payload.item_id=item-220')).toBe(true);
    expect(holds('payload.item_id=ITEM-220')).toBe(false);
    expect(holds('payload.amount=12.5')).toBe(true);
    expect(holds('payload.gift=false')).toBe(true);
    expect(holds('payload.note=null')).toBe(true);
    expect(holds('payload.tags.0=Red')).toBe(true);
    expect(holds('payload.item_id!=item-221')).toBe(true);
    expect(holds('payload.item_id!=item-220')).toBe(false);
  });

  it('treat a missing field as unequal and as not existing; order only numbers', () => {
    expect(holds('payload.missing=x')).toBe(false);
    expect(holds('payload.missing!=x')).toBe(true);
    expect(holds('payload.missing')).toBe(false);
    expect(holds('payload.note')).toBe(true);
    expect(holds('payload.item_id.deeper')).toBe(false);
    expect([holds('payload.amount>12'), holds('payload.amount>12.5'), holds('payload.amount>=12.5')]).toEqual([
      true,
      false,
      true,
    ]);
    expect([holds('payload.amount<13'), holds('payload.amount<12.5'), holds('payload.amount<=12.5')]).toEqual([
      true,
      false,
      true,
    ]);
    expect(holds('payload.item_id>0')).toBe(false);
    expect([holds('payload.amount>=13'), holds('payload.amount<=12')]).toEqual([false, false]);
    // A number written as a string is a string: not ordered.
    expect(meetsCondition({ code: '15' }, { path: ['code'], op: '>', value: '10' })).toBe(false);
    // Paths go into objects and arrays only: not into a string's characters, nor through null.
    expect(holds('payload.item_id.0')).toBe(false);
    expect(holds('payload.note.x')).toBe(false);
    expect(holds('timestamp<6')).toBe(true);
  });

  it('see only the event’s own fields: no inherited property matches, an own field of any name does', () => {
    const inheritedNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'payload.constructor'];
    for (const inherited of [...inheritedNames, 'payload.tags.length']) {
      expect([holds(inherited), holds(`${inherited}!=x`)], inherited).toEqual([false, true]);
    }
    expect(holds('payload.tags.map')).toBe(false);
    expect(holds('constructor=[object Object]')).toBe(false);
    // The same names as the event's own keys (JSON.parse makes even __proto__ an own field) are fields like any other.
    const own = JSON.parse('{"constructor": "c", "__proto__": {"x": 1}, "list": ["a"]}') as Record<string, unknown>;
    expect(meetsCondition(own, { path: ['constructor'], op: '=', value: 'c' })).toBe(true);
    expect(meetsCondition(own, { path: ['__proto__', 'x'], op: '=', value: '1' })).toBe(true);
    expect(meetsCondition(own, { path: ['list', '0'], op: '=', value: 'a' })).toBe(true);
    expect(meetsCondition(own, { path: ['list', '00'], op: '=', value: 'a' })).toBe(true);
  });
});

describe('q= text', () => {
  it('is found in any value at any depth, in any letter case, never in a key', () => {
    expect(containsText(event, 'buy')).toBe(true);
    expect(containsText(event, 'red')).toBe(true);
    expect(containsText(event, '12.5')).toBe(true);
    expect(containsText(event, 'false')).toBe(true);
    expect(containsText(event, 'item_id')).toBe(false);
    expect(containsText(event, 'payload')).toBe(false);
    expect(containsText(event, 'nothing')).toBe(false);
  });
});
