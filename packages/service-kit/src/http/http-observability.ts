import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Counter, Histogram } from 'prom-client';
import { createOpsHandler, type OpsOptions } from './ops.js';

type Next = (err?: unknown) => void;
interface RoutedRequest extends IncomingMessage {
  route?: { path?: string };
  originalUrl?: string;
}

/**
 * The two middlewares every express service starts with: a request log and metrics per
 * route (successes at debug: a line per request would cost more than serving it), then
 * /healthz, /readyz and /metrics.
 */
export function httpObservability({ logger, registry, readiness }: OpsOptions & { logger: Logger }) {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const log = logger.child({ component: 'http' });
  const ops = createOpsHandler({ registry, readiness });

  const observe = (req: RoutedRequest, res: ServerResponse, next: Next) => {
    const started = performance.now();
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const route = req.route?.path ?? 'unmatched';
      requests.inc({ method: req.method ?? '', route, status: res.statusCode });
      duration.observe({ route }, seconds);
      const level = res.statusCode >= 500 ? 'warn' : res.statusCode >= 400 ? 'info' : 'debug';
      // Most requests succeed and are logged at debug: their log object is not even built when debug is off.
      if (!log.isLevelEnabled(level)) return;
      log[level](
        { method: req.method, url: req.originalUrl ?? req.url, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    });
    next();
  };
  const serveOps = (req: IncomingMessage, res: ServerResponse, next: Next) => {
    const answering = ops(req, res);
    if (answering) answering.catch(next);
    else next();
  };
  return [observe, serveOps];
}
