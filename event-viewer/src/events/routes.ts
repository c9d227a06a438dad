import { formatDuration } from '@eventstreamapp/service-kit';
import { type Request, type Response, Router } from 'express';
import type { Config } from '../config.js';
import { type Compressible, sendCompressible } from '../http/compress.js';
import { httpError } from '../http/errors.js';
import type { Html } from '../http/html.js';
import { negotiate } from '../http/negotiate.js';
import { createReadLimiter } from '../http/read-limiter.js';
import { filterOf, isFiltered } from '../model/event-filter.js';
import { createExport, type ExportDeps } from './export.js';
import { createExportSlots } from './export-slots.js';
import { nextPageQuery, type PageQuery, pageQueryString, parsePageQuery } from './query.js';
import { renderChart, renderEventsPage, renderRow } from './render.js';
import { type EventStore, type Page, truncatePage } from './store.js';

/** An answer to GET /events, ready to send again: the newest pages are kept so (page-cache.ts). */
export interface RenderedPage extends Compressible {
  link?: string;
  /** X-Retention-Notice: this is the oldest page the retention keeps. */
  retentionNotice?: string;
  /** X-Scanned-Events and X-Scanned-To: how far a filtered page read the log. */
  scan?: { count: number; to?: number };
}

export interface RouteDeps {
  config: Pick<
    Config,
    | 'DEFAULT_LIMIT'
    | 'MAX_LIMIT'
    | 'CHART_MINUTES'
    | 'FILTER_SCAN_MAX'
    | 'FILTER_MAX_MS'
    | 'EXPORT_MAX_EVENTS'
    | 'EXPORTS_IN_FLIGHT'
    | 'EXPORTS_PER_CLIENT'
    | 'EXPORT_SCAN_MAX'
    | 'EXPORT_MAX_MS'
    | 'EXPORT_STALL_MS'
    | 'MAX_PAGE_BYTES'
    | 'PAGE_READS_IN_FLIGHT'
    | 'EVENT_RETENTION'
  >;
  store: EventStore;
  /** The newest unfiltered pages, forgotten when the live stream brings new events (page-cache.ts). */
  newestPages?: { load(key: string, read: () => Promise<RenderedPage>): RenderedPage | Promise<RenderedPage> };
  now?: () => number;
  /** Counts the exports: events handed to sockets, refusals, and how each ended. */
  exportEvents?: Pick<ExportDeps, 'onWritten' | 'onRefused' | 'onEnded'>;
}

const CHART_BUCKET_MS = 5_000;
/** Events one read of an export takes: a page's worth, so the reads stay as bounded as the pages'. */
const EXPORT_PAGE_EVENTS = 500;
/** How long the exports' lane rests after a read, in reads' durations, while pages are asked for. */
const EXPORT_REST = 3;

/** The next page's href; `userInPath`: the path names the user (/events/<user_id>), so the query does not. */
function nextLink(
  path: string,
  query: PageQuery,
  scanned: number[],
  exhausted: boolean,
  userInPath = false,
): string | undefined {
  const next = nextPageQuery(query, scanned, exhausted);
  if (!next) return undefined;
  const { userId: _inPath, ...rest } = next;
  return `${path}?${pageQueryString(userInPath ? rest : next)}`;
}

/** Room left for the page around its rows (head, forms, chart). */
const PAGE_CHROME_BYTES = 32 * 1024;

/** The leading rows of a page whose HTML fits `maxBytes`: always one; the next page starts after the last. */
function fitRows(page: Page, maxBytes: number): Page {
  let bytes = PAGE_CHROME_BYTES;
  for (const [i, event] of page.events.entries()) {
    // Rows are memoised: the page renders the same ones again at no cost.
    bytes += renderRow(event).text.length;
    if (i > 0 && bytes > maxBytes) return truncatePage(page, i);
  }
  return page;
}

function sendPage(
  req: Request,
  res: Response,
  page: RenderedPage,
  retention: string | undefined,
): void | Promise<void> {
  if (page.link) res.setHeader('link', page.link);
  if (retention) res.setHeader('x-event-retention', retention);
  if (page.retentionNotice) res.setHeader('x-retention-notice', page.retentionNotice);
  if (page.scan) {
    res.setHeader('x-scanned-events', String(page.scan.count));
    if (page.scan.to !== undefined) res.setHeader('x-scanned-to', String(page.scan.to));
  }
  return sendCompressible(req, res, page);
}

function titleOf(userId: string | undefined, newest: boolean, filtered: boolean): string {
  if (userId !== undefined) return `Events of ${userId}`;
  return !newest ? 'Older events' : filtered ? 'Filtered events' : 'Latest events';
}

function emptyTextOf(userId: string | undefined, newest: boolean, filtered: boolean, read: number): string {
  if (userId !== undefined) return `No event of ${userId} among the ${read} most recent read.`;
  if (filtered) return `No matching event among the ${read} read.`;
  return newest ? 'No events yet. POST one to :8080/publish, or start the automatic generator.' : 'No older events.';
}

const htmlBody = (text: string): Compressible => ({ contentType: 'text/html; charset=utf-8', body: Buffer.from(text) });

/** The event pages: GET /events, /events/<user_id> and /rate, as a router the app mounts. */
export function createEventRoutes(deps: RouteDeps): Router {
  const handlers = createEventHandlers(deps);
  const router = Router();
  router.get('/events', handlers.events);
  router.get('/events/:userId', handlers.user);
  router.get('/rate', handlers.rate);
  router.get('/export', handlers.export);
  return router;
}

/** What building a page needs of the handlers: budgeted reads, the chart, and what retention says. */
interface PageContext {
  config: RouteDeps['config'];
  store: EventStore;
  readPage: (query: PageQuery, withStreamId: boolean) => Promise<Page>;
  chart: () => Promise<Html>;
  retention: string | undefined;
  retentionNotice: (exhausted: boolean) => string | undefined;
}

/**
 * The one place an events page is built, HTML or JSON: the newest or an older page of `event_log`, or of one
 * user's events under `/events/<user_id>` (`userId`: then with their latest event above, and a 404 when
 * they have none).
 */
async function renderEvents(
  { config, store, readPage, chart, retention, retentionNotice }: PageContext,
  format: 'html' | 'json',
  query: PageQuery,
  userId?: string,
): Promise<RenderedPage> {
  const newest = query.before === undefined && query.skip === 0;
  // On a user's page the path names the user: the page counts as filtered only by what the form adds.
  const { userId: _inPath, ...formFilter } = filterOf(query);
  const filtered = isFiltered(userId === undefined ? query : formFilter);
  const [read, latest] = await Promise.all([
    readPage(query, format === 'html' && newest),
    userId === undefined ? null : store.latestOf(userId),
  ]);
  if (userId !== undefined && latest === null && read.events.length === 0) {
    throw httpError('not_found', `no event stored for user ${JSON.stringify(userId)}`);
  }
  const page = format === 'html' ? fitRows(read, config.MAX_PAGE_BYTES) : read;
  const path = userId === undefined ? '/events' : `/events/${encodeURIComponent(userId)}`;
  const nextHref = nextLink(path, query, page.scanned, page.exhausted, userId !== undefined);
  const notice = retentionNotice(page.exhausted);
  const scan = filtered
    ? { count: page.scanned.length, ...(page.scanned.length > 0 ? { to: page.scanned.at(-1)! } : {}) }
    : undefined;
  const link = {
    ...(nextHref ? { link: `<${nextHref}>; rel="next"` } : {}),
    ...(notice ? { retentionNotice: notice } : {}),
    ...(scan ? { scan } : {}),
  };
  if (format === 'json') {
    // Members are stored JSON texts: the array is assembled, never re-serialized.
    return {
      contentType: 'application/json; charset=utf-8',
      body: Buffer.from(`[${page.events.map((e) => e.json).join(',')}]`),
      ...link,
    };
  }
  const html = renderEventsPage({
    title: titleOf(userId, newest, filtered),
    page,
    filter: query,
    limit: query.limit,
    live: newest,
    formAction: path,
    emptyText: emptyTextOf(userId, newest, filtered, page.scanned.length),
    ...(notice ? { retentionNotice: `Events older than ${retention} are not kept (EVENT_RETENTION).` } : {}),
    ...(userId === undefined && newest && !filtered ? { chart: await chart() } : {}),
    ...(latest === null
      ? {}
      : { latest: { json: latest, timestamp: (JSON.parse(latest) as { timestamp: number }).timestamp } }),
    ...(scan ? { scan } : {}),
    ...(nextHref ? { nextHref } : {}),
  });
  return { contentType: 'text/html; charset=utf-8', body: Buffer.from(html), ...link };
}

/**
 * GET /export's handler. Exports read in a lane of their own, one read at a time, so that however many run
 * (EXPORTS_IN_FLIGHT), the pages keep every one of their read slots; `pagesAsked` counts the pages' requests.
 */
function createExporter({
  config,
  store,
  budget,
  pagesAsked,
  now,
  exportEvents,
}: Pick<RouteDeps, 'config' | 'store' | 'exportEvents'> & {
  budget: { scanMax: number; maxBytes: number; maxMs: number };
  pagesAsked: () => number;
  now: () => number;
}) {
  const exportReads = createReadLimiter(1, config.EXPORTS_IN_FLIGHT);
  const exportRead = async (query: PageQuery) => {
    const seen = pagesAsked();
    const started = performance.now();
    const page = await store.page(query, { ...budget, withStreamId: false });
    // Pages were asked for while it read: the lane rests EXPORT_REST times as long as the read took, so the
    // exports take at most 1 / (1 + EXPORT_REST) of the viewer's time from pages; alone, they run at full speed.
    if (pagesAsked() !== seen)
      await new Promise((resolve) => setTimeout(resolve, EXPORT_REST * (performance.now() - started)));
    return page;
  };
  return createExport({
    readPage: async (query) => {
      const page = await exportReads.run(() => exportRead(query));
      if (page === 'busy') throw httpError('too_many_reads', 'too many export reads waiting; retry later');
      return page;
    },
    slots: createExportSlots(config.EXPORTS_IN_FLIGHT, config.EXPORTS_PER_CLIENT),
    budget: {
      maxEvents: config.EXPORT_MAX_EVENTS,
      scanMax: config.EXPORT_SCAN_MAX,
      maxMs: config.EXPORT_MAX_MS,
      stallMs: config.EXPORT_STALL_MS,
    },
    pageEvents: EXPORT_PAGE_EVENTS,
    defaultLimit: config.DEFAULT_LIMIT,
    maxLimit: config.MAX_LIMIT,
    now,
    ...exportEvents,
  });
}

function createEventHandlers({ config, store, newestPages, now = Date.now, exportEvents }: RouteDeps) {
  const budget = { scanMax: config.FILTER_SCAN_MAX, maxBytes: config.MAX_PAGE_BYTES, maxMs: config.FILTER_MAX_MS };
  const reads = createReadLimiter(config.PAGE_READS_IN_FLIGHT, 32 * config.PAGE_READS_IN_FLIGHT);
  /** One page of `event_log`, read when a slot is free (read-limiter.ts). */
  const readPage = async (query: PageQuery, withStreamId: boolean) => {
    const page = await reads.run(() => store.page(query, { ...budget, withStreamId }));
    if (page === 'busy') throw httpError('too_many_reads', 'too many page reads waiting; retry later');
    return page;
  };
  let pageRequests = 0;
  const exporter = createExporter({ config, store, budget, pagesAsked: () => pageRequests, now, exportEvents });
  const retention = config.EVENT_RETENTION > 0 ? formatDuration(config.EVENT_RETENTION) : undefined;
  // The end of a scan is where retention cut the log, not where history began: say so on that page.
  const retentionNotice = (exhausted: boolean) =>
    retention && exhausted ? `events older than ${retention} are not kept (EVENT_RETENTION)` : undefined;
  const chart = async () =>
    renderChart(await store.rate(now(), config.CHART_MINUTES * 60_000, CHART_BUCKET_MS), CHART_BUCKET_MS);

  const pages: PageContext = { config, store, readPage, chart, retention, retentionNotice };

  return {
    /** GET /events: newest first, filtered by user_id and action, paged with Link: rel="next". */
    events(req: Request, res: Response): void | Promise<void> {
      pageRequests++;
      res.vary('Accept');
      const format = negotiate(req);
      const query = parsePageQuery(req.query, config.DEFAULT_LIMIT, config.MAX_LIMIT);
      const newest = query.before === undefined && query.skip === 0;
      const read = () => renderEvents(pages, format, query);
      const page =
        newest && !isFiltered(query) && newestPages ? newestPages.load(`${format}|${query.limit}`, read) : read();
      // A kept page is answered in this turn: no promise on the hot path.
      if (page instanceof Promise) return page.then((p) => sendPage(req, res, p, retention));
      return sendPage(req, res, page, retention);
    },

    /** GET /events/<user_id>: JSON, the user's latest event (event:<user_id>); HTML, that and their recent events. */
    async user(req: Request, res: Response): Promise<void> {
      pageRequests++;
      res.vary('Accept');
      const format = negotiate(req);
      const userId = req.params.userId as string;
      if (format === 'json') {
        const json = await store.latestOf(userId);
        if (json === null) throw httpError('not_found', `no event stored for user ${JSON.stringify(userId)}`);
        return sendCompressible(req, res, { contentType: 'application/json; charset=utf-8', body: Buffer.from(json) });
      }
      const query = { ...parsePageQuery(req.query, config.DEFAULT_LIMIT, config.MAX_LIMIT), userId };
      return sendPage(req, res, await renderEvents(pages, 'html', query, userId), retention);
    },

    /** GET /export: the filter's events as NDJSON or CSV (export.ts). */
    export: exporter,

    /** GET /rate: events per 5-second bucket — JSON, or the chart's HTML for the page redrawing it. */
    async rate(req: Request, res: Response): Promise<void> {
      res.vary('Accept');
      if (negotiate(req) === 'html') {
        return sendCompressible(req, res, htmlBody((await chart()).text));
      }
      const buckets = await store.rate(now(), config.CHART_MINUTES * 60_000, CHART_BUCKET_MS);
      return sendCompressible(req, res, {
        contentType: 'application/json; charset=utf-8',
        body: Buffer.from(JSON.stringify({ bucket_ms: CHART_BUCKET_MS, buckets })),
      });
    },
  };
}
