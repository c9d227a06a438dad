import { MAX_NESTING_DEPTH } from './limits.js';
import { type Rejection, reject } from './rejection.js';

/**
 * Checks what zod does not: a parsed JSON value must be safe to hand to any JavaScript
 * consumer. `__proto__` keys are refused because naive merges downstream turn them into
 * prototype pollution; non-finite numbers (JSON `1e400`) because they would silently
 * become `null` when re-serialized.
 */
export function checkJsonShape(value: unknown, path = '', depth = 0): { ok: true } | { ok: false; rejection: Rejection } {
  if (depth > MAX_NESTING_DEPTH) {
    return reject('too_deep', `nesting deeper than ${MAX_NESTING_DEPTH} levels`, path || undefined);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return reject('invalid_number', 'number is out of range', path || undefined);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const result = checkJsonShape(value[i], `${path}[${i}]`, depth + 1);
      if (!result.ok) return result;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === '__proto__') return reject('forbidden_key', 'the key "__proto__" is not allowed', childPath);
      const result = checkJsonShape((value as Record<string, unknown>)[key], childPath, depth + 1);
      if (!result.ok) return result;
    }
  }
  return { ok: true };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
