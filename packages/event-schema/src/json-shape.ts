import { MAX_NESTING_DEPTH } from './limits.js';
import { type Rejection, reject } from './rejection.js';

type ShapeResult = { ok: true } | { ok: false; rejection: Rejection };

/**
 * Checks what zod does not: a parsed JSON value must be safe to hand to any JavaScript
 * consumer. `__proto__` keys are refused because naive merges downstream turn them into
 * prototype pollution; non-finite numbers (JSON `1e400`) because they would silently
 * become `null` when re-serialized.
 *
 * This runs on every event in the consumer's hot path, so the walk builds no path strings:
 * only when it finds a problem does a second walk name where.
 */
export function checkJsonShape(value: unknown): ShapeResult {
  return isSafe(value, 0) ? { ok: true } : explain(value, '', 0);
}

function isSafe(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_NESTING_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isSafe(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (key === '__proto__' || !isSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function explain(value: unknown, path: string, depth: number): ShapeResult {
  if (typeof value === 'number' && !Number.isFinite(value))
    return reject('invalid_number', 'number is out of range', path || undefined);
  if (value === null || typeof value !== 'object') return { ok: true };
  if (depth >= MAX_NESTING_DEPTH)
    return reject('too_deep', `nesting deeper than ${MAX_NESTING_DEPTH} levels`, path || undefined);
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = key.startsWith('[') ? `${path}${key}` : path ? `${path}.${key}` : key;
    if (key === '__proto__' && !Array.isArray(value))
      return reject('forbidden_key', 'the key "__proto__" is not allowed', childPath);
    const result = explain(child, childPath, depth + 1);
    if (!result.ok) return result;
  }
  return { ok: true };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
