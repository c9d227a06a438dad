import { describe, expect, it } from 'vitest';
import { checkJsonShape, isPlainObject } from './json-shape.js';
import { MAX_NESTING_DEPTH } from './limits.js';

const arrays = (levels: number): unknown => (levels === 0 ? 1 : [arrays(levels - 1)]);
const objects = (levels: number): unknown => (levels === 0 ? 1 : { k: objects(levels - 1) });

describe('checkJsonShape', () => {
  it('takes any JSON value within the nesting limit', () => {
    for (const value of [
      null,
      1,
      'x',
      true,
      [],
      {},
      [1, 'a', null, { b: [2.5, -0] }],
      arrays(MAX_NESTING_DEPTH),
      objects(MAX_NESTING_DEPTH),
    ]) {
      expect(checkJsonShape(value), JSON.stringify(value)?.slice(0, 40)).toEqual({ ok: true });
    }
  });

  it('refuses nesting one level past the limit, in arrays and in objects, naming where', () => {
    expect(checkJsonShape(arrays(MAX_NESTING_DEPTH + 1))).toEqual({
      ok: false,
      rejection: {
        code: 'too_deep',
        message: `nesting deeper than ${MAX_NESTING_DEPTH} levels`,
        path: '[0]'.repeat(MAX_NESTING_DEPTH),
      },
    });
    expect(checkJsonShape(objects(MAX_NESTING_DEPTH + 1))).toMatchObject({
      ok: false,
      rejection: { code: 'too_deep', path: Array(MAX_NESTING_DEPTH).fill('k').join('.') },
    });
    // Deep only in its last element: the walk goes on past the shallow ones.
    expect(checkJsonShape([1, { a: 2 }, arrays(MAX_NESTING_DEPTH)])).toMatchObject({
      ok: false,
      rejection: { code: 'too_deep' },
    });
  });

  it('refuses a number JSON can write but JavaScript cannot hold, at any depth, naming where', () => {
    expect(checkJsonShape(Number.POSITIVE_INFINITY)).toEqual({
      ok: false,
      rejection: { code: 'invalid_number', message: 'number is out of range' },
    });
    expect(checkJsonShape({ a: [1, { b: Number.NaN }] })).toEqual({
      ok: false,
      rejection: { code: 'invalid_number', message: 'number is out of range', path: 'a[1].b' },
    });
    expect(checkJsonShape([0, [Number.NEGATIVE_INFINITY]])).toMatchObject({ rejection: { path: '[1][0]' } });
  });

  it('refuses a __proto__ key at any depth, and takes the string "__proto__" as a value or array item', () => {
    expect(checkJsonShape(JSON.parse('{"a":{"__proto__":{"x":1}}}'))).toEqual({
      ok: false,
      rejection: { code: 'forbidden_key', message: 'the key "__proto__" is not allowed', path: 'a.__proto__' },
    });
    expect(checkJsonShape(JSON.parse('[{"__proto__":1}]'))).toMatchObject({
      rejection: { code: 'forbidden_key', path: '[0].__proto__' },
    });
    expect(checkJsonShape({ a: '__proto__', b: ['__proto__'], constructor: { prototype: 1 } })).toEqual({ ok: true });
  });
});

describe('isPlainObject', () => {
  it('is an object that is neither null nor an array', () => {
    expect([{}, { a: 1 }].map(isPlainObject)).toEqual([true, true]);
    expect([null, [], 'x', 1, undefined].map(isPlainObject)).toEqual([false, false, false, false, false]);
  });
});
