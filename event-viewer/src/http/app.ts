import {
  classifyRequestError,
  type HttpError,
  httpObservability,
  type JsonSchema,
  type Logger,
  type ReadinessCheck,
  unlistedRoute,
} from '@eventstreamapp/service-kit';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { Access } from './access.js';
import { STYLE_CSS } from './assets.js';
import { type Compressible, sendCompressible } from './compress.js';
import { httpError } from './errors.js';
import { renderErrorPage } from './layout.js';

export interface AppDeps {
  logger: Logger;
  /** The viewer's OpenAPI document (openapi.ts): served at /openapi.json; its paths answer other methods 405. */
  document: JsonSchema;
  /** The viewer's rooms (events, live, ops), each a router with the routes it owns; mounted in this order. */
  rooms: Router[];
  liveScript: string;
  registry: Registry;
  readiness: () => ReadinessCheck[] | Promise<ReadinessCheck[]>;
  /** Who may read (access.ts); without it, or with no credential configured, anyone may, like the seed. */
  access?: Access;
  /** Express' `trust proxy`: which hops' X-Forwarded-For names the client (TRUST_PROXY). */
  trustProxy?: string | number | false;
  /** Retry-After of a 503 (RETRY_AFTER_SECONDS, as the generator's). */
  retryAfterSeconds?: number;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function toHttpError(err: unknown): HttpError {
  const failure = classifyRequestError(err);
  switch (failure.kind) {
    case 'http':
      return failure.error;
    case 'service':
      return httpError('redis_unavailable', failure.error.message, undefined, err);
    case 'client':
      // express' router marks a path it cannot decode (malformed percent-encoding) with 400.
      return httpError('bad_request', failure.error.message, undefined, err);
    case 'internal':
      return httpError('internal', 'internal error', undefined, err);
  }
}

/** Probes stay open (an orchestrator checks them without credentials), and so does the contract. */
const OPEN_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);

function requireAccess(access: Access): RequestHandler {
  return (req, res, next) => {
    if (OPEN_PATHS.has(req.path)) return next();
    access.check(req.get('authorization'), req.ip ?? req.socket.remoteAddress ?? 'unknown').then((decision) => {
      if (decision.ok) {
        res.locals.principal = decision.principal;
        return next();
      }
      if (decision.reason === 'too_many_failures') {
        res.set('retry-after', String(decision.retryAfterSeconds ?? 60));
        return next(httpError('too_many_attempts', 'too many failed sign-ins from your address; retry later'));
      }
      if (decision.reason === 'busy') {
        res.set('retry-after', String(decision.retryAfterSeconds ?? 1));
        return next(httpError('too_many_attempts', 'too many sign-ins are being checked at once; retry in a second'));
      }
      res.set('www-authenticate', access.challenge);
      next(
        httpError(
          'unauthorized',
          decision.reason === 'missing' ? 'credentials are required' : 'those credentials are not valid',
        ),
      );
    }, next);
  };
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // Not no-referrer: under it a browser sends `Origin: null` with the page's own forms, and the replay's
    // same-origin check (csrf.ts) could not tell them from a sandboxed attacker's. Nothing leaves the origin.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
  next();
};

/** The viewer's one door: security headers, observability, access control and errors around the rooms' routers. */
export function createApp({
  logger,
  document,
  rooms,
  liveScript,
  registry,
  readiness,
  access,
  trustProxy = false,
  retryAfterSeconds = 2,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxy);
  const log = logger.child({ component: 'http' });

  app.use(securityHeaders);
  const [observe, serveOps] = httpObservability({ logger, registry, readiness });
  app.use(observe!);
  if (access?.enabled) app.use(requireAccess(access));
  app.use(serveOps!);

  app.get('/', (_req, res) => res.redirect(302, '/events'));
  const contract = JSON.stringify(document);
  app.get('/openapi.json', (_req, res) => res.type('application/json').send(contract));
  // Compressed on first use and kept, like a page.
  const asset = (contentType: string, text: string): express.RequestHandler => {
    const item: Compressible = { contentType, body: Buffer.from(text) };
    return (req, res) => {
      res.set('cache-control', 'public, max-age=300');
      return sendCompressible(req, res, item);
    };
  };
  app.get('/assets/live.js', asset('text/javascript; charset=utf-8', liveScript));
  app.get('/assets/style.css', asset('text/css; charset=utf-8', STYLE_CSS));
  for (const room of rooms) app.use(room);

  app.use(unlistedRoute(document, httpError));

  const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
    const error = toHttpError(err);
    if (error.code === 'internal') log.error({ err }, 'unhandled error');
    else if (error.status >= 500)
      log.warn({ event: 'http.unavailable', code: error.code, reason: error.message }, error.message);
    if (res.headersSent) return;
    if (error.status === 503) res.set('retry-after', String(retryAfterSeconds));
    const wantsHtml =
      error.code !== 'not_acceptable' && req.get('accept') !== undefined && req.accepts(['json', 'html']) === 'html';
    if (wantsHtml) res.status(error.status).type('html').send(renderErrorPage(error.status, error.message));
    else res.status(error.status).json(error.toJSON());
  };
  app.use(errorHandler);
  return app;
}
