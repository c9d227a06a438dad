import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cursor, parseInput, reasonSchema, textUpTo, wholeNumber } from './inputs.js';

const schema = z.object({
  n: wholeNumber(2, 5).optional(),
  t: textUpTo(3).optional(),
  c: cursor(/^\d+-\d+$/).optional(),
  reason: reasonSchema.optional(),
  when: z
    .string()
    .superRefine((_v, ctx) => ctx.addIssue({ code: 'custom', message: ': told by another parser' }))
    .optional(),
});
const refusal = (input: unknown) => {
  try {
    parseInput(schema, input);
  } catch (err) {
    const e = err as { code: string; message: string; details?: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
  return undefined;
};

describe('parseInput', () => {
  it('reads each parameter by its schema; an empty or missing one is absent, an unknown one ignored', () => {
    expect(parseInput(schema, { n: '2', t: 'abc', c: '1-0', reason: 'too_large', other: 'x' })).toEqual({
      n: 2,
      t: 'abc',
      c: '1-0',
      reason: 'too_large',
    });
    expect(parseInput(schema, { n: '5', t: '' })).toEqual({ n: 5 });
    expect(parseInput(schema, undefined)).toEqual({});
  });

  it('refuses with 400 invalid_query naming the parameter and saying what is wrong, in the words of each rule', () => {
    const cases: [unknown, string, string][] = [
      [{ n: '1' }, 'n', 'n must be between 2 and 5'],
      [{ n: '6' }, 'n', 'n must be between 2 and 5'],
      [{ n: '2.5' }, 'n', 'n must be a whole number'],
      [{ n: ['2', '3'] }, 'n', 'n must be given once'],
      [{ t: 'abcd' }, 't', 't must be at most 3 characters of text'],
      [{ t: '\ud800' }, 't', 't must be at most 3 characters of text'],
      [{ t: { a: '1' } }, 't', 't must be text'],
      [{ c: 'x' }, 'c', 'c must be the cursor of a rel="next" link'],
      [{ reason: 'Too Large' }, 'reason', 'reason must be a rejection code such as too_large'],
      [{ when: 'x' }, 'when', 'when: told by another parser'],
    ];
    for (const [input, parameter, message] of cases)
      expect(refusal(input), JSON.stringify(input)).toEqual({ code: 'invalid_query', message, details: { parameter } });
  });

  it('refuses what is not a set of named fields with 400 bad_request', () => {
    for (const input of [[], ['a'], 'n=2', 3, null])
      expect(refusal(input)?.code, JSON.stringify(input)).toBe('bad_request');
  });

  it('keeps a reading of the same text fields, frozen, and never a refusal (pages are asked again and again)', () => {
    const first = parseInput(schema, { n: '3' });
    expect(parseInput(schema, { n: '3' })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(parseInput(schema, { n: '4' })).toEqual({ n: 4 });
    for (let i = 0; i < 2; i++) expect(refusal({ n: '9' })?.code).toBe('invalid_query');
  });
});

describe('readings kept', () => {
  const kept = z.object({ n: wholeNumber(0, 1_000_000).optional(), t: textUpTo(600).optional() });

  it('answers the same query string with the same frozen reading, empty fields and field order aside', () => {
    const first = parseInput(kept, { n: '7' });
    expect(parseInput(kept, { n: '7', t: '' })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(parseInput(kept, { n: '8' })).not.toBe(first);
    expect(parseInput(z.object({ n: wholeNumber(0, 9).optional() }), { n: '7' })).not.toBe(first);
  });

  it('keeps at most 256 readings per schema, forgetting the oldest first', () => {
    const oldest = parseInput(kept, { n: '100000' });
    for (let i = 0; i < 255; i++) parseInput(kept, { n: String(200_000 + i) });
    expect(parseInput(kept, { n: '100000' })).toBe(oldest);
    parseInput(kept, { n: '300000' });
    expect(parseInput(kept, { n: '100000' })).not.toBe(oldest);
  });

  it('never keeps a refusal, a repeated field or a long query string', () => {
    expect(() => parseInput(kept, { n: 'x' })).toThrow(/n must be a whole number/);
    expect(() => parseInput(kept, { n: 'x' })).toThrow(/n must be a whole number/);
    expect(() => parseInput(kept, { n: ['1', '2'] })).toThrow(/n must be given once/);
    const long = { t: 'a'.repeat(600) };
    expect(parseInput(kept, long)).not.toBe(parseInput(kept, long));
    const short = { t: 'a'.repeat(500) };
    expect(parseInput(kept, short)).toBe(parseInput(kept, short));
  });
});
