import { httpError } from './errors.js';

/** A query parameter that must be a whole number between `min` and `max`; undefined when absent or empty. */
export function integerParam(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw))
    throw httpError('invalid_query', `${name} must be a whole number`, { parameter: name });
  const value = Number(raw);
  if (value < min || value > max)
    throw httpError('invalid_query', `${name} must be between ${min} and ${max}`, { parameter: name });
  return value;
}

/** A text parameter given once, refused with what `check` says is wrong with it; undefined when absent or empty. */
export function textParam(
  name: string,
  raw: unknown,
  check: (value: string) => string | undefined,
): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw httpError('invalid_query', `${name} must be given once`, { parameter: name });
  const problem = check(raw);
  if (problem) throw httpError('invalid_query', `${name} ${problem}`, { parameter: name });
  return raw;
}

/** A rejection code (`too_large`), as /dlq filters by and a replay selects: the `reason` of a query or a form. */
export function reasonParam(raw: unknown): string | undefined {
  return textParam('reason', raw, (v) =>
    /^[a-z_]{1,64}$/.test(v) ? undefined : 'must be a rejection code such as too_large',
  );
}
