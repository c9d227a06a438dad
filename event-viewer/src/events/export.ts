import type { Request, Response } from 'express';
import { httpError } from '../http/errors.js';
import { CSV_HEADER, csvRow } from './csv.js';
import { nextPageQuery, type PageQuery, parsePageQuery } from './query.js';
import type { Page } from './store.js';

export interface ExportDeps {
  /** One budgeted page read (a read slot, FILTER_SCAN_MAX and FILTER_MAX_MS), as the pages read. */
  readPage: (query: PageQuery) => Promise<Page>;
  maxEvents: number;
  pageEvents: number;
  defaultLimit: number;
  maxLimit: number;
  /** Events handed to the socket (export_events_total): it stops growing while a client does not read. */
  onWritten?: (events: number) => void;
}

/** Resolves when the socket takes more, or the client is gone (false). */
function drained(res: Response): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * GET /export: the events a filter or search selects, newest first, as NDJSON or CSV — read page by page
 * through the same budgeted reads as the pages, and written only as fast as the client takes them, so a
 * client that stops reading holds its socket's buffer and one page at most. At most `maxEvents` events.
 */
export function createExport({ readPage, maxEvents, pageEvents, defaultLimit, maxLimit, onWritten }: ExportDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const format = req.query.format === undefined || req.query.format === '' ? 'ndjson' : req.query.format;
    if (format !== 'ndjson' && format !== 'csv') throw httpError('invalid_query', 'format must be ndjson or csv', { parameter: 'format' });
    const { limit: _limit, ...start } = parsePageQuery({ ...req.query, limit: undefined }, defaultLimit, maxLimit);
    let query: PageQuery | undefined = { ...start, limit: pageEvents };
    // The first page is read before the headers: a Redis that is away is a 503, not a cut file.
    let page = await readPage(query);
    const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="events-${stamp}.${format}"`,
      'cache-control': 'no-store',
      'x-export-max-events': String(maxEvents),
    });
    if (format === 'csv') res.write(CSV_HEADER);
    let written = 0;
    while (!res.destroyed) {
      const events = page.events.slice(0, maxEvents - written);
      const text = events.map((e) => (format === 'csv' ? csvRow(e) : `${e.json}\n`)).join('');
      written += events.length;
      const more = text === '' || res.write(text);
      onWritten?.(events.length);
      if (!more && !(await drained(res))) return;
      query = written < maxEvents ? nextPageQuery(query!, page.scanned, page.exhausted) : undefined;
      if (!query) break;
      try {
        page = await readPage(query);
      } catch {
        // Headers are gone: a read that fails ends the download short; the client sees the connection cut.
        res.destroy();
        return;
      }
    }
    res.end();
  };
}
