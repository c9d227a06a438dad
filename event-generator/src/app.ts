import { timingSafeEqual } from 'node:crypto';
import { httpObservability, type Logger, type ReadinessCheck } from '@eventstreamapp/service-kit';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { BatchingPublisher } from './batching-publisher.js';
import type { Config } from './config.js';
import { HttpError } from './errors.js';
import type { GeneratorMetrics } from './metrics.js';
import { parsePublishBody } from './parse-publish-body.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  publisher: Pick<BatchingPublisher, 'publish'>;
  metrics: GeneratorMetrics;
  readiness: () => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

const BODY_PARSER_ERRORS: Record<string, HttpError> = {
  'entity.too.large': new HttpError('payload_too_large', 'the body exceeds the size limit'),
  'encoding.unsupported': new HttpError('unsupported_media_type', 'unsupported content encoding'),
  'charset.unsupported': new HttpError('unsupported_media_type', 'the body must be UTF-8 JSON'),
  'request.aborted': new HttpError('malformed_json', 'the request was aborted before its body arrived'),
  'request.size.invalid': new HttpError('malformed_json', 'the body is shorter or longer than its Content-Length'),
};

function requireApiKey(apiKey: string | undefined): RequestHandler {
  if (!apiKey) return (_req, _res, next) => next();
  const expected = Buffer.from(`Bearer ${apiKey}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    next(ok ? undefined : new HttpError('unauthorized', 'a valid "Authorization: Bearer <PUBLISH_API_KEY>" header is required'));
  };
}

const requireJson: RequestHandler = (req, _res, next) => {
  const type = req.get('content-type');
  next(
    type && req.is(['application/json', '+json'])
      ? undefined
      : new HttpError('unsupported_media_type', `Content-Type must be application/json, got ${type ?? 'none'}`),
  );
};

export function createApp({ config, logger, publisher, metrics, readiness }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = logger.child({ component: 'http' });

  app.use(...httpObservability({ logger, registry: metrics.registry, readiness }));

  app.post(
    '/publish',
    requireApiKey(config.PUBLISH_API_KEY),
    requireJson,
    express.raw({ type: () => true, limit: config.MAX_BODY_BYTES }),
    async (req, res) => {
      const started = performance.now();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { records, bulk } = parsePublishBody(body, {
        maxBodyBytes: config.MAX_BODY_BYTES,
        maxEventBytes: config.MAX_EVENT_BYTES,
        maxBulkEvents: config.MAX_BULK_EVENTS,
      });
      await publisher.publish(records.map((r) => ({ key: r.event.user_id, value: r.json })));
      metrics.published.inc(records.length);
      metrics.publishLatency.observe((performance.now() - started) / 1000);
      // The stored JSON texts are sent back as they are: no second serialization.
      const json = bulk ? `[${records.map((r) => r.json).join(',')}]` : records[0]!.json;
      res.status(202).type('application/json').send(json);
    },
  );

  app.all('/publish', (_req, _res, next) => next(new HttpError('method_not_allowed', 'use POST /publish')));
  app.use((req, _res, next) => next(new HttpError('not_found', `no route for ${req.method} ${req.path}`)));

  const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
    const known = err instanceof HttpError ? err : BODY_PARSER_ERRORS[(err as { type?: string }).type ?? ''];
    const error = known ?? new HttpError('internal', 'internal error');
    if (!known) log.error({ err }, 'unhandled error');
    metrics.errors.inc({ code: error.code });
    if (error.code === 'kafka_unavailable') res.set('retry-after', String(config.RETRY_AFTER_SECONDS));
    if (error.code === 'method_not_allowed') res.set('allow', 'POST');
    if (res.headersSent) return;
    res.status(error.status).json(error.toJSON());
  };
  app.use(errorHandler);
  return app;
}
