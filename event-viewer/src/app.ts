import { httpObservability, type Logger, type ReadinessCheck } from '@eventstreamapp/service-kit';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { LIVE_JS, STYLE_CSS } from './assets.js';
import type { Config } from './config.js';
import { HttpError } from './errors.js';
import type { EventStore } from './event-store.js';
import type { ViewerMetrics } from './metrics.js';
import { nextPageQuery, pageQueryString, parsePageQuery } from './page-query.js';
import { renderChart, renderErrorPage, renderEventsPage } from './render-page.js';

export interface LiveClients {
  add(res: Response): boolean;
}

export interface AppDeps {
  config: Config;
  logger: Logger;
  store: EventStore;
  live: LiveClients;
  metrics: ViewerMetrics;
  readiness: () => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CHART_BUCKET_MS = 5_000;

/** HTML unless the client prefers JSON (Accept, with q-weights); undefined when it takes neither. */
function negotiate(req: Request): 'html' | 'json' {
  const type = req.accepts(['html', 'json']);
  if (!type) throw new HttpError('not_acceptable', 'this resource is available as text/html or application/json');
  return type as 'html' | 'json';
}

export function createApp({ config, logger, store, live, metrics, readiness }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const log = logger.child({ component: 'http' });

  app.use((_req, res, next) => {
    res.set({
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    next();
  });
  app.use(...httpObservability({ logger, registry: metrics.registry, readiness }));

  app.get('/', (_req, res) => res.redirect(302, '/events'));

  app.get('/assets/live.js', (_req, res) => {
    res.type('text/javascript').set('cache-control', 'public, max-age=300').send(LIVE_JS);
  });
  app.get('/assets/style.css', (_req, res) => {
    res.type('text/css').set('cache-control', 'public, max-age=300').send(STYLE_CSS);
  });

  app.get('/events', async (req, res) => {
    res.vary('Accept');
    const format = negotiate(req);
    const query = parsePageQuery(req.query, config.DEFAULT_LIMIT, config.MAX_LIMIT);
    const events = await store.page(query);
    const next = nextPageQuery(
      query,
      events.map((e) => e.timestamp),
    );
    const nextHref = next && `/events?${pageQueryString(next)}`;
    if (nextHref) res.set('link', `<${nextHref}>; rel="next"`);
    if (format === 'json') {
      // Members are stored JSON texts: the array is assembled, never re-serialized.
      res.type('application/json').send(`[${events.map((e) => e.json).join(',')}]`);
      return;
    }
    const newest = query.before === undefined && query.skip === 0;
    const chart = newest
      ? renderChart(await store.rate(Date.now(), config.CHART_MINUTES * 60_000, CHART_BUCKET_MS), CHART_BUCKET_MS)
      : undefined;
    res.type('html').send(
      renderEventsPage({
        title: newest ? 'Latest events' : 'Older events',
        events,
        live: newest,
        limit: query.limit,
        emptyText: 'No events yet. POST one to :8080/publish, or start the automatic generator.',
        ...(chart ? { chart } : {}),
        ...(nextHref ? { nextHref } : {}),
      }),
    );
  });

  app.get('/events/:userId', async (req, res) => {
    res.vary('Accept');
    const format = negotiate(req);
    const userId = req.params.userId;
    const json = await store.latestOf(userId);
    if (json === null) throw new HttpError('not_found', `no event stored for user ${JSON.stringify(userId)}`);
    if (format === 'json') {
      res.type('application/json').send(json);
      return;
    }
    const { timestamp } = JSON.parse(json) as { timestamp: number };
    res
      .type('html')
      .send(renderEventsPage({ title: `Latest event of ${userId}`, events: [{ json, timestamp }], live: false, limit: 1, emptyText: '' }));
  });

  app.get('/live', (_req, res) => {
    if (!live.add(res)) throw new HttpError('too_many_live_clients', 'too many live connections; retry later');
  });

  app.get('/rate', async (_req, res) => {
    const buckets = await store.rate(Date.now(), config.CHART_MINUTES * 60_000, CHART_BUCKET_MS);
    res.json({ bucket_ms: CHART_BUCKET_MS, buckets });
  });

  app.use((req, _res, next) => next(new HttpError('not_found', `no route for ${req.method} ${req.path}`)));

  const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
    const error = err instanceof HttpError ? err : new HttpError('internal', 'internal error');
    if (!(err instanceof HttpError)) log.error({ err }, 'unhandled error');
    else if (error.status >= 500) log.warn({ err: err.cause ?? err }, error.message);
    if (res.headersSent) return;
    if (error.code === 'redis_unavailable' || error.code === 'too_many_live_clients') res.set('retry-after', '2');
    const wantsHtml = error.code !== 'not_acceptable' && req.accepts(['json', 'html']) === 'html' && req.get('accept') !== undefined;
    if (wantsHtml) res.status(error.status).type('html').send(renderErrorPage(error.status, error.message));
    else res.status(error.status).json(error.toJSON());
  };
  app.use(errorHandler);
  return app;
}
