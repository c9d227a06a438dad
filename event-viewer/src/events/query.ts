import { MAX_TIMESTAMP_MS, parseIsoTimestamp } from '@eventstreamapp/event-schema';
import { z } from 'zod';
import { parseInput, wholeNumber } from '../http/inputs.js';
import {
  type EventFilter,
  filterFromParams,
  filterOf,
  filterParams,
  filterQuerySchema,
} from '../model/event-filter.js';

export interface PageQuery extends EventFilter {
  limit: number;
  /** Only events strictly older than this timestamp (epoch ms). */
  before?: number;
  /** Leading events of the result to skip: the page boundary fell among equal timestamps. */
  skip: number;
}

const MAX_SKIP = 1_000_000;

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/**
 * `before` as epoch milliseconds, or as an ISO-8601 date-time — with a zone, or without one, which
 * is read as UTC like every time the page shows (a browser's datetime-local field sends it so).
 */
const epochMs = wholeNumber(0, MAX_TIMESTAMP_MS + 1);
const beforeSchema = z
  .string()
  .transform((raw, ctx) => {
    let digits = raw;
    if (/^\d{4}-/.test(raw)) {
      const date = parseIsoTimestamp(LOCAL_DATE_TIME.test(raw) ? `${raw}Z` : raw);
      if (!date.ok) {
        ctx.addIssue({ code: 'custom', message: `: ${date.rejection.message}` });
        return z.NEVER;
      }
      digits = String(date.value);
    }
    const parsed = epochMs.safeParse(digits);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'is not a time' });
    return z.NEVER;
  })
  .meta({ description: 'epoch milliseconds, or an ISO-8601 date-time (UTC when it has no zone): events before it' });

/**
 * The query of a page of events, as parsed and as the OpenAPI document describes it: how many events, before
 * when and how many to skip there, then the filter (built once per `maxLimit`).
 */
const pageQuerySchemas = new Map<number, ReturnType<typeof buildPageQuerySchema>>();
function buildPageQuerySchema(maxLimit: number) {
  return z
    .object({
      limit: wholeNumber(1, maxLimit).optional(),
      before: beforeSchema.optional(),
      skip: wholeNumber(0, MAX_SKIP).optional().meta({ description: 'events to skip at `before` (from a next link)' }),
    })
    .extend(filterQuerySchema.shape);
}
export function pageQuerySchema(maxLimit: number) {
  let schema = pageQuerySchemas.get(maxLimit);
  if (schema === undefined) {
    schema = buildPageQuerySchema(maxLimit);
    pageQuerySchemas.set(maxLimit, schema);
  }
  return schema;
}

/** What pageQuerySchema reads: the paging numbers, and the filter's texts named as in query strings. */
interface PageParams {
  limit?: number;
  before?: number;
  skip?: number;
  [param: string]: string | number | undefined;
}

export function parsePageQuery(query: Record<string, unknown>, defaultLimit: number, maxLimit: number): PageQuery {
  const { limit, before, skip, ...filter } = parseInput(pageQuerySchema(maxLimit), query) as PageParams;
  return {
    limit: limit ?? defaultLimit,
    skip: skip ?? 0,
    ...(before === undefined ? {} : { before }),
    ...filterFromParams(filter as Record<string, string | undefined>),
  };
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
