import { MAX_TIMESTAMP_MS, parseIsoTimestamp } from '@eventstreamapp/event-schema';
import { httpError } from '../http/errors.js';
import { integerParam } from '../http/query-params.js';
import { type EventFilter, filterOf, filterParams, parseFilter } from '../model/event-filter.js';

export interface PageQuery extends EventFilter {
  limit: number;
  /** Only events strictly older than this timestamp (epoch ms). */
  before?: number;
  /** Leading events of the result to skip: the page boundary fell among equal timestamps. */
  skip: number;
}

const MAX_SKIP = 1_000_000;

/**
 * `before` as epoch milliseconds, or as an ISO-8601 date-time — with a zone, or without one, which
 * is read as UTC like every time the page shows (a browser's datetime-local field sends it so).
 */
function beforeParam(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/.test(raw)) raw = `${raw}Z`;
  if (typeof raw === 'string' && /^\d{4}-/.test(raw)) {
    const parsed = parseIsoTimestamp(raw);
    if (!parsed.ok) throw httpError('invalid_query', `before: ${parsed.rejection.message}`, { parameter: 'before' });
    return integerParam('before', String(parsed.value), 0, MAX_TIMESTAMP_MS + 1);
  }
  return integerParam('before', raw, 0, MAX_TIMESTAMP_MS + 1);
}

export function parsePageQuery(query: Record<string, unknown>, defaultLimit: number, maxLimit: number): PageQuery {
  const limit = integerParam('limit', query.limit, 1, maxLimit) ?? defaultLimit;
  const before = beforeParam(query.before);
  const skip = integerParam('skip', query.skip, 0, MAX_SKIP) ?? 0;
  return { limit, skip, ...(before === undefined ? {} : { before }), ...parseFilter(query) };
}

/**
 * The query of the page after one whose scan of `event_log` ended at the given timestamps (every
 * member read, matching or not; newest first). Events sharing the last timestamp may straddle the
 * boundary, so the next page starts at it again and skips those already read — no event is lost or
 * shown twice however many share a millisecond. `exhausted`: the scan reached the log's end.
 */
export function nextPageQuery(current: PageQuery, scanned: number[], exhausted: boolean): PageQuery | undefined {
  if (exhausted || scanned.length === 0) return undefined;
  const last = scanned.at(-1)!;
  const readAtLast = scanned.filter((t) => t === last).length;
  const skippedAtLast = current.before === last + 1 ? current.skip : 0;
  return { limit: current.limit, before: last + 1, skip: readAtLast + skippedAtLast, ...filterOf(current) };
}

export function pageQueryString(query: PageQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.before !== undefined) params.set('before', String(query.before));
  if (query.skip > 0) params.set('skip', String(query.skip));
  for (const [name, value] of filterParams(query)) params.set(name, value);
  return params.toString();
}
