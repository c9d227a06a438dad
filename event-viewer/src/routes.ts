import { createLru, formatDuration } from '@eventstreamapp/service-kit';
import type { Request, Response } from 'express';
import { type Compressible, sendCompressible } from './compress.js';
import type { Config } from './config.js';
import { httpError } from './errors.js';
import { type EventStore, type Page, truncatePage } from './event-store.js';
import type { LiveFeed, LiveSink } from './live-feed.js';
import { isFiltered, nextPageQuery, type PageQuery, pageQueryString, parseFilter, parsePageQuery } from './page-query.js';
import { createReadLimiter } from './read-limiter.js';
import { renderChart, renderEventsPage, renderRow } from './render-page.js';
import { isStreamId } from './stream-id.js';

/** An answer to GET /events, ready to send again: the newest pages are kept so (memo.ts). */
export interface RenderedPage extends Compressible {
  link?: string;
  /** X-Retention-Notice: this is the oldest page the retention keeps. */
  retentionNotice?: string;
}

export interface RouteDeps {
  config: Pick<
    Config,
    'DEFAULT_LIMIT' | 'MAX_LIMIT' | 'CHART_MINUTES' | 'FILTER_SCAN_MAX' | 'MAX_PAGE_BYTES' | 'PAGE_READS_IN_FLIGHT' | 'EVENT_RETENTION'
  >;
  store: EventStore;
  live: Pick<LiveFeed, 'add'>;
  /** The newest unfiltered pages, forgotten when the live stream brings new events (memo.ts). */
  newestPages?: { load(key: string, read: () => Promise<RenderedPage>): RenderedPage | Promise<RenderedPage> };
  now?: () => number;
}

const CHART_BUCKET_MS = 5_000;

// Parsing an Accept header costs more than answering a cached page; clients send few distinct ones.
const negotiated = createLru<'html' | 'json' | false>(256);

/** HTML unless the client prefers JSON (Accept, with q-weights); 406 when it takes neither. */
export function negotiate(req: Request): 'html' | 'json' {
  const accept = req.headers.accept ?? '';
  let type = negotiated.get(accept);
  if (type === undefined) {
    type = req.accepts(['html', 'json']) as 'html' | 'json' | false;
    if (accept.length <= 512) negotiated.set(accept, type);
  }
  if (!type) throw httpError('not_acceptable', 'this resource is available as text/html or application/json');
  return type;
}

/** The next page's href; `userInPath`: the path names the user (/events/<user_id>), so the query does not. */
function nextLink(path: string, query: PageQuery, scanned: number[], exhausted: boolean, userInPath = false): string | undefined {
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

function sendPage(req: Request, res: Response, page: RenderedPage, retention: string | undefined): void | Promise<void> {
  if (page.link) res.setHeader('link', page.link);
  if (retention) res.setHeader('x-event-retention', retention);
  if (page.retentionNotice) res.setHeader('x-retention-notice', page.retentionNotice);
  return sendCompressible(req, res, page);
}

const htmlBody = (text: string): Compressible => ({ contentType: 'text/html; charset=utf-8', body: Buffer.from(text) });

/** The handlers of the viewer's routes: plain functions of their dependencies, composed by app.ts. */
export function createRoutes({ config, store, live, newestPages, now = Date.now }: RouteDeps) {
  const budget = { scanMax: config.FILTER_SCAN_MAX, maxBytes: config.MAX_PAGE_BYTES };
  const reads = createReadLimiter(config.PAGE_READS_IN_FLIGHT, 32 * config.PAGE_READS_IN_FLIGHT);
  /** One page of `event_log`, read when a slot is free (read-limiter.ts). */
  const readPage = async (query: PageQuery, withStreamId: boolean) => {
    const page = await reads.run(() => store.page(query, { ...budget, withStreamId }));
    if (page === 'busy') throw httpError('too_many_reads', 'too many page reads waiting; retry later');
    return page;
  };
  const retention = config.EVENT_RETENTION > 0 ? formatDuration(config.EVENT_RETENTION) : undefined;
  // The end of a scan is where retention cut the log, not where history began: say so on that page.
  const retentionNotice = (exhausted: boolean) =>
    retention && exhausted ? `events older than ${retention} are not kept (EVENT_RETENTION)` : undefined;
  const chart = async () => renderChart(await store.rate(now(), config.CHART_MINUTES * 60_000, CHART_BUCKET_MS), CHART_BUCKET_MS);

  async function renderEvents(format: 'html' | 'json', query: PageQuery, newest: boolean, filtered: boolean): Promise<RenderedPage> {
    const read = await readPage(query, format === 'html' && newest);
    const page = format === 'html' ? fitRows(read, config.MAX_PAGE_BYTES) : read;
    const nextHref = nextLink('/events', query, page.scanned, page.exhausted);
    const notice = retentionNotice(page.exhausted);
    const link = { ...(nextHref ? { link: `<${nextHref}>; rel="next"` } : {}), ...(notice ? { retentionNotice: notice } : {}) };
    if (format === 'json') {
      // Members are stored JSON texts: the array is assembled, never re-serialized.
      return {
        contentType: 'application/json; charset=utf-8',
        body: Buffer.from(`[${page.events.map((e) => e.json).join(',')}]`),
        ...link,
      };
    }
    const html = renderEventsPage({
      title: !newest ? 'Older events' : filtered ? 'Filtered events' : 'Latest events',
      page,
      filter: query,
      limit: query.limit,
      live: newest,
      formAction: '/events',
      emptyText: filtered
        ? `No matching event among the ${page.scanned.length} read.`
        : newest
          ? 'No events yet. POST one to :8080/publish, or start the automatic generator.'
          : 'No older events.',
      ...(notice ? { retentionNotice: `Events older than ${retention} are not kept (EVENT_RETENTION).` } : {}),
      ...(newest && !filtered ? { chart: await chart() } : {}),
      ...(nextHref ? { nextHref } : {}),
    });
    return { contentType: 'text/html; charset=utf-8', body: Buffer.from(html), ...link };
  }

  return {
    /** GET /events: newest first, filtered by user_id and action, paged with Link: rel="next". */
    events(req: Request, res: Response): void | Promise<void> {
      res.vary('Accept');
      const format = negotiate(req);
      const query = parsePageQuery(req.query, config.DEFAULT_LIMIT, config.MAX_LIMIT);
      const newest = query.before === undefined && query.skip === 0;
      const filtered = isFiltered(query);
      const read = () => renderEvents(format, query, newest, filtered);
      const page = newest && !filtered && newestPages ? newestPages.load(`${format}|${query.limit}`, read) : read();
      // A kept page is answered in this turn: no promise on the hot path.
      if (page instanceof Promise) return page.then((p) => sendPage(req, res, p, retention));
      return sendPage(req, res, page, retention);
    },

    /** GET /events/<user_id>: JSON, the user's latest event (event:<user_id>); HTML, that and their recent events. */
    async user(req: Request, res: Response): Promise<void> {
      res.vary('Accept');
      const format = negotiate(req);
      const userId = req.params.userId as string;
      if (format === 'json') {
        const json = await store.latestOf(userId);
        if (json === null) throw httpError('not_found', `no event stored for user ${JSON.stringify(userId)}`);
        return sendCompressible(req, res, { contentType: 'application/json; charset=utf-8', body: Buffer.from(json) });
      }
      const query = { ...parsePageQuery(req.query, config.DEFAULT_LIMIT, config.MAX_LIMIT), userId };
      const newest = query.before === undefined && query.skip === 0;
      const [json, read] = await Promise.all([store.latestOf(userId), readPage(query, newest)]);
      const page = fitRows(read, config.MAX_PAGE_BYTES);
      if (json === null && page.events.length === 0) throw httpError('not_found', `no event stored for user ${JSON.stringify(userId)}`);
      const path = `/events/${encodeURIComponent(userId)}`;
      const nextHref = nextLink(path, query, page.scanned, page.exhausted, true);
      const notice = retentionNotice(page.exhausted);
      if (retention) res.setHeader('x-event-retention', retention);
      return sendCompressible(
        req,
        res,
        htmlBody(
          renderEventsPage({
            title: `Events of ${userId}`,
            page,
            filter: query,
            limit: query.limit,
            live: newest,
            formAction: path,
            emptyText: `No event of ${userId} among the ${page.scanned.length} most recent read.`,
            ...(notice ? { retentionNotice: `Events older than ${retention} are not kept (EVENT_RETENTION).` } : {}),
            ...(json === null ? {} : { latest: { json, timestamp: (JSON.parse(json) as { timestamp: number }).timestamp } }),
            ...(nextHref ? { nextHref } : {}),
          }),
        ),
      );
    },

    /** GET /live: server-sent events from the live stream, after Last-Event-ID or ?since=. */
    live(req: Request, res: Response): void {
      const lastEventId = req.get('last-event-id');
      const since = lastEventId ?? (typeof req.query.since === 'string' && req.query.since !== '' ? req.query.since : undefined);
      if (since !== undefined && !isStreamId(since)) {
        throw httpError('invalid_query', 'since (or Last-Event-ID) must be a stream id such as 1764288000000-0', { parameter: 'since' });
      }
      const filter = parseFilter(req.query);
      const sink: LiveSink = {
        open: () =>
          void res.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-store',
            connection: 'keep-alive',
            'x-accel-buffering': 'no',
          }),
        write: (chunk) => void res.write(chunk),
        get bufferedBytes() {
          return res.writableLength;
        },
        destroy: () => res.destroy(),
        end: () => res.end(),
        onClose: (listener) => void res.on('close', listener),
      };
      const added = live.add(sink, {
        address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        filter,
        ...(since === undefined ? {} : { since }),
      });
      if (added === 'full') throw httpError('too_many_live_clients', 'too many live connections; retry later');
      if (added === 'address-full') throw httpError('too_many_live_clients', 'too many live connections from your address; retry later');
    },

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
