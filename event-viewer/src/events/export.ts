import type { Request, Response } from 'express';
import { z } from 'zod';
import { httpError } from '../http/errors.js';
import { parseInput } from '../http/inputs.js';
import { principalOf } from '../http/roles.js';
import { CSV_HEADER, csvField, csvRow } from './csv.js';
import type { ExportRefusal, ExportSlots } from './export-slots.js';
import { nextPageQuery, type PageQuery, pageQuerySchema, pageQueryString, parsePageQuery } from './query.js';
import { type Page, truncatePage } from './store.js';

/** What one export may spend before it ends, saying where the rest starts. */
interface ExportBudget {
  /** EXPORT_MAX_EVENTS: events written. */
  maxEvents: number;
  /** EXPORT_SCAN_MAX: events of the log read, matching or not (a filter that matches nothing reads them all). */
  scanMax: number;
  /** EXPORT_MAX_MS: wall time, the client's pauses included. */
  maxMs: number;
  /** EXPORT_STALL_MS: longest wait for a client that takes nothing; then its connection is cut. */
  stallMs: number;
}

/** How an export ended (exports_ended_total{outcome}). */
export type ExportOutcome =
  | 'complete'
  | 'max_events'
  | 'scan_budget'
  | 'time_budget'
  | 'stalled'
  | 'client_gone'
  | 'read_failed';

export interface ExportDeps {
  /** One budgeted page read (FILTER_SCAN_MAX and FILTER_MAX_MS) in the exports' own read lane, never a page's slot. */
  readPage: (query: PageQuery) => Promise<Page>;
  slots: ExportSlots;
  budget: ExportBudget;
  pageEvents: number;
  defaultLimit: number;
  maxLimit: number;
  /** Events handed to the socket (export_events_total): it stops growing while a client does not read. */
  onWritten?: (events: number) => void;
  onRefused?: (limit: ExportRefusal) => void;
  onEnded?: (outcome: ExportOutcome) => void;
  now?: () => number;
}

/** Retry-After of a refused export: exports run for seconds, so a retry sooner would be refused again. */
const EXPORT_RETRY_AFTER_SECONDS = 5;

/** Resolves true when the socket takes more; false when the client is gone or took nothing for `stallMs`. */
function drained(res: Response, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), stallMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * The last line of an export its budget ended early: why, how far it read, and the request that goes on
 * from there. NDJSON: an object no event can be (its one key is `export_incomplete`); CSV: a row whose
 * one field starts with `#`.
 */
function incompleteLine(format: 'ndjson' | 'csv', reason: ExportOutcome, scanned: number, next: PageQuery): string {
  const params = new URLSearchParams(pageQueryString(next));
  params.delete('limit');
  params.set('format', format);
  const resume = `/export?${params}`;
  if (format === 'ndjson') return `${JSON.stringify({ export_incomplete: { reason, scanned, next: resume } })}\n`;
  return `${csvField(`# export incomplete (${reason}) after ${scanned} events read; the rest: ${resume}`)}\r\n`;
}

/**
 * GET /export: the events a filter or search selects, newest first, as NDJSON or CSV — read page by page in
 * the exports' own read lane, and written only as fast as the client takes them, so a client that stops
 * reading holds its socket's buffer and one page at most, and for EXPORT_STALL_MS at most. Admitted by
 * `slots` (429 beyond them); each export within its budget, after which its last line says where to go on.
 */
const exportFormatSchema = z.object({ format: z.enum(['ndjson', 'csv'], 'must be ndjson or csv').optional() });

/** The query of /export: the events page's, without `limit` (an export has budgets instead), and the format. */
export function exportQuerySchema(maxLimit: number) {
  return pageQuerySchema(maxLimit).omit({ limit: true }).extend(exportFormatSchema.shape);
}

export function createExport(deps: ExportDeps) {
  const {
    readPage,
    slots,
    budget,
    pageEvents,
    defaultLimit,
    maxLimit,
    onWritten,
    onRefused,
    onEnded,
    now = Date.now,
  } = deps;
  return async (req: Request, res: Response): Promise<void> => {
    const format = parseInput(exportFormatSchema, req.query).format ?? 'ndjson';
    const { limit: _limit, ...start } = parsePageQuery({ ...req.query, limit: undefined }, defaultLimit, maxLimit);
    const principal = principalOf(res)?.name;
    const release = slots.take(principal ? `user ${principal}` : `address ${req.ip ?? req.socket.remoteAddress}`);
    if (typeof release !== 'function') {
      onRefused?.(release);
      res.set('retry-after', String(EXPORT_RETRY_AFTER_SECONDS));
      const whose = release === 'total' ? 'exports are running at once' : 'of your exports are running';
      throw httpError('too_many_exports', `too many ${whose}; retry when one ends`);
    }
    res.once('close', release);
    try {
      const outcome = await writeExport(res, format, { ...start, limit: pageEvents });
      onEnded?.(outcome);
    } finally {
      release();
    }
  };

  async function writeExport(res: Response, format: 'ndjson' | 'csv', first: PageQuery): Promise<ExportOutcome> {
    const started = now();
    let query = first;
    // The first page is read before the headers: a Redis that is away is a 503, not a cut file.
    let page = await readPage(query);
    const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="events-${stamp}.${format}"`,
      'cache-control': 'no-store',
      'x-export-max-events': String(budget.maxEvents),
    });
    if (format === 'csv') res.write(CSV_HEADER);
    let written = 0;
    let scanned = 0;
    for (;;) {
      // The page is cut where the export's event budget ends, so that the rest starts at the first left out.
      page = truncatePage(page, budget.maxEvents - written);
      const text = page.events.map((e) => (format === 'csv' ? csvRow(e) : `${e.json}\n`)).join('');
      written += page.events.length;
      scanned += page.scanned.length;
      const more = text === '' || res.write(text);
      onWritten?.(page.events.length);
      if (!more && !(await drained(res, budget.stallMs))) {
        const gone = res.destroyed;
        res.destroy();
        return gone ? 'client_gone' : 'stalled';
      }
      const next = nextPageQuery(query, page.scanned, page.exhausted);
      if (!next) break;
      const spent: ExportOutcome | undefined =
        written >= budget.maxEvents
          ? 'max_events'
          : scanned >= budget.scanMax
            ? 'scan_budget'
            : now() - started >= budget.maxMs
              ? 'time_budget'
              : undefined;
      if (spent) {
        res.end(incompleteLine(format, spent, scanned, next));
        return spent;
      }
      query = next;
      try {
        page = await readPage({ ...query, limit: pageEvents });
      } catch {
        // Headers are gone: a read that fails ends the download short; the client sees the connection cut.
        res.destroy();
        return 'read_failed';
      }
    }
    res.end();
    return 'complete';
  }
}
