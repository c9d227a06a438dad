import { MAX_TIMESTAMP_MS } from '@eventstreamapp/event-schema';
import { HttpError } from './errors.js';

export interface PageQuery {
  limit: number;
  /** Only events strictly older than this timestamp (epoch ms). */
  before?: number;
  /** Leading events of the result to skip: the page boundary fell among equal timestamps. */
  skip: number;
}

function integerParam(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw))
    throw new HttpError('invalid_query', `${name} must be a whole number`, { parameter: name });
  const value = Number(raw);
  if (value < min || value > max) throw new HttpError('invalid_query', `${name} must be between ${min} and ${max}`, { parameter: name });
  return value;
}

export function parsePageQuery(query: Record<string, unknown>, defaultLimit: number, maxLimit: number): PageQuery {
  const limit = integerParam('limit', query.limit, 1, maxLimit) ?? defaultLimit;
  const before = integerParam('before', query.before, 0, MAX_TIMESTAMP_MS + 1);
  const skip = integerParam('skip', query.skip, 0, 1_000_000) ?? 0;
  return { limit, skip, ...(before === undefined ? {} : { before }) };
}

/**
 * The query of the page after one that ended with `lastTimestamp`. Events sharing that
 * timestamp may straddle the boundary, so the next page starts at it again and skips those
 * already shown — no event is lost or shown twice however many share a millisecond.
 */
export function nextPageQuery(current: PageQuery, timestamps: number[]): PageQuery | undefined {
  if (timestamps.length < current.limit) return undefined;
  const last = timestamps.at(-1)!;
  const shownAtLast = timestamps.filter((t) => t === last).length;
  const skippedAtLast = current.before === last + 1 ? current.skip : 0;
  return { limit: current.limit, before: last + 1, skip: shownAtLast + skippedAtLast };
}

export function pageQueryString(query: PageQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.before !== undefined) params.set('before', String(query.before));
  if (query.skip > 0) params.set('skip', String(query.skip));
  return params.toString();
}
