import { z } from 'zod';
import { httpError } from './errors.js';

/**
 * The viewer's inputs — query strings, forms, path parameters — are each one zod object, parsed by `parseInput` and
 * described by the same object in the OpenAPI document. An empty parameter is an absent one (an emptied form field).
 */

/** A whole number from `min` to `max`, given as its digits (a query string's or a form's text). */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .refine((v) => Number(v) >= min && Number(v) <= max, `must be between ${min} and ${max}`)
    .transform(Number)
    .meta({ description: `a whole number from ${min} to ${max}` });
}

/** Text of at most `max` characters, well-formed Unicode (no lone surrogates). */
export function textUpTo(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters of text`)
    .refine((v) => v.isWellFormed(), `must be at most ${max} characters of text`);
}

/** A cursor of a rel="next" link, in the shape `pattern` gives. */
export function cursor(pattern: RegExp) {
  return z.string().regex(pattern, 'must be the cursor of a rel="next" link');
}

/** A rejection code (`too_large`), as /dlq filters by and a replay selects. */
export const reasonSchema = z.string().regex(/^[a-z_]{1,64}$/, 'must be a rejection code such as too_large');

// No body at all is an empty form; an array or a lone value is not a set of fields, and the schema says so.
const withoutEmpty = (input: unknown): unknown => {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== '' && v !== undefined));
};

/**
 * Readings kept per schema: at most READINGS_KEPT, the oldest forgotten first (a lookup does not reorder: a
 * reading is cheap to make again, and a hit must cost no more than one map lookup); each key at most KEY_MAX.
 */
const READINGS_KEPT = 256;
const KEY_MAX = 512;
const readings = new WeakMap<z.ZodType, Map<string, unknown>>();

function readingsOf(schema: z.ZodType): Map<string, unknown> {
  let kept = readings.get(schema);
  if (kept === undefined) {
    kept = new Map();
    readings.set(schema, kept);
  }
  return kept;
}

/**
 * The input as a key when it is a few text fields (a query string's or a form's), else undefined; empty fields
 * are left out, as parsing leaves them out.
 */
function keyOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input === undefined ? '' : undefined;
  let key = '';
  for (const name in input) {
    const value = (input as Record<string, unknown>)[name];
    if (value === '' || value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    key += `${name}\u0000${value}\u0000`;
    if (key.length > KEY_MAX) return undefined;
  }
  return key;
}

/** What is wrong with a parameter, in the words a 400 gives: a repeated one is "given once". */
function problemOf(issue: z.core.$ZodIssue, input: unknown): string {
  const name = String(issue.path[0] ?? '');
  const given = (input as Record<string, unknown>)[name];
  if (issue.code === 'invalid_type' && Array.isArray(given)) return 'must be given once';
  if (issue.code === 'invalid_type') return 'must be text';
  return issue.message;
}

/**
 * `input` read by `schema`; a parameter it refuses is a 400 `invalid_query` naming the parameter (its first
 * problem). Parameters the schema does not name are ignored.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // Clients ask the same few query strings again and again (the newest page): each reading is kept, per schema.
  const key = keyOf(input);
  const kept = key === undefined ? undefined : readingsOf(schema);
  const known = kept?.get(key!);
  if (known !== undefined) return known as z.output<S>;
  const cleaned = withoutEmpty(input);
  const parsed = schema.safeParse(cleaned);
  if (kept && parsed.success) {
    if (kept.size >= READINGS_KEPT) kept.delete(kept.keys().next().value!);
    kept.set(key!, Object.freeze(parsed.data));
  }
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.path.length === 0)
    throw httpError('bad_request', 'send named fields: a query string, a form or a JSON object');
  const parameter = String(issue.path[0]);
  const problem = problemOf(issue, cleaned);
  // A problem told by another parser ("before: timestamp …") follows the name with a colon.
  throw httpError('invalid_query', `${parameter}${problem.startsWith(':') ? '' : ' '}${problem}`, { parameter });
}
