import type { EventFields } from './stored-event.js';

/** `where=` as written: a dotted path into the event, an operator, a value. */
export interface Condition {
  path: string[];
  op: '=' | '!=' | '>' | '<' | '>=' | '<=' | 'exists';
  value: string;
}

const MAX_PATH_SEGMENTS = 8;
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `payload.item_id=item-220`, `payload.amount>=10`, `payload.coupon` (exists). Returns the reason a text
 * is not a condition, so the 400 can say it.
 */
export function parseCondition(text: string): Condition | string {
  const match = /^([^=!<>]+?)(?:(!=|>=|<=|=|>|<)(.*))?$/s.exec(text);
  if (!match)
    return 'must be a path such as payload.item_id, an operator (= != > < >= <=) and a value, or a path alone (exists)';
  const [, rawPath, op, value = ''] = match;
  const path = rawPath!.split('.');
  if (path.length > MAX_PATH_SEGMENTS || !path.every((s) => SEGMENT.test(s)))
    return `the path must be at most ${MAX_PATH_SEGMENTS} dot-separated names of letters, digits, _ and -`;
  const numeric = op === '>' || op === '<' || op === '>=' || op === '<=';
  if (numeric && (value.trim() === '' || !Number.isFinite(Number(value))))
    return `${op} compares numbers: the value must be one`;
  return { path, op: (op as Condition['op'] | undefined) ?? 'exists', value };
}

/**
 * The value at a path through the event's own fields only: an object's own keys and an array's indexes,
 * never what objects inherit (`constructor`, `__proto__`, `toString`) nor an array's `length`.
 */
function valueAt(fields: EventFields, path: string[]): unknown {
  let current: unknown = fields;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** A JSON value as the query string writes it: strings as they are, the rest as JSON (42, true, null). */
const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export function meetsCondition(fields: EventFields, { path, op, value }: Condition): boolean {
  const found = valueAt(fields, path);
  if (op === 'exists') return found !== undefined;
  if (found === undefined) return op === '!=';
  if (op === '=') return asText(found) === value;
  if (op === '!=') return asText(found) !== value;
  if (typeof found !== 'number') return false;
  const bound = Number(value);
  return op === '>' ? found > bound : op === '<' ? found < bound : op === '>=' ? found >= bound : found <= bound;
}

/** Whether any string or number in the event (values, not keys) contains `needle`, already lower-cased. */
export function containsText(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.toLowerCase().includes(needle);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).includes(needle);
  if (value === null || typeof value !== 'object') return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (containsText(item, needle)) return true;
  return false;
}
