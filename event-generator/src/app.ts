import { timingSafeEqual } from 'node:crypto';
import { asyncApiDocument, parseIdempotencyKey } from '@eventstreamapp/event-schema';
import {
  type BatchingPublisher,
  classifyRequestError,
  type HttpError,
  httpObservability,
  type Logger,
  parseAuthorization,
  type ReadinessCheck,
  unlistedRoute,
} from '@eventstreamapp/service-kit';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Config } from './config.js';
import { type ErrorCode, httpError } from './errors.js';
import type { IdClaims } from './id-claims.js';
import type { GeneratorMetrics } from './metrics.js';
import { generatorDocument } from './openapi.js';
import { type PublishLimits, parsePublishBody } from './parse-publish-body.js';
import { createRateLimiter } from './rate-limit.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  publisher: Pick<BatchingPublisher, 'publish'>;
  idClaims: Pick<IdClaims, 'claim'>;
  metrics: GeneratorMetrics;
  /** The limits in force: the configured ones, lowered when the topic accepts less (see event-generator.ts). */
  limits: () => PublishLimits;
  readiness: () => ReadinessCheck[] | Promise<ReadinessCheck[]>;
}

/** Codes for what body-parser raises, by its `type`: a client's mistake, never a 500. */
const BODY_PARSER_ERRORS: Record<string, [ErrorCode, string]> = {
  'entity.too.large': ['payload_too_large', 'the body exceeds the size limit'],
  'encoding.unsupported': [
    'unsupported_media_type',
    'unsupported Content-Encoding: send identity, gzip, deflate, br or zstd (one of them, not a list)',
  ],
  'charset.unsupported': ['unsupported_media_type', 'the body must be UTF-8 JSON'],
  'request.aborted': ['malformed_json', 'the request was aborted before its body arrived'],
  'request.size.invalid': ['malformed_json', 'the body is shorter or longer than its Content-Length'],
};

function toHttpError(err: unknown): HttpError | undefined {
  const failure = classifyRequestError(err);
  switch (failure.kind) {
    case 'http':
      return failure.error;
    case 'service':
      if (failure.error.code === 'record_too_large')
        return httpError('payload_too_large', failure.error.message, undefined, err);
      if (failure.error.code.startsWith('redis_'))
        return httpError('redis_unavailable', failure.error.message, undefined, err);
      return httpError('kafka_unavailable', failure.error.message, undefined, err);
    case 'internal':
      return undefined;
  }
  const known = BODY_PARSER_ERRORS[(err as { type?: string }).type ?? ''];
  if (known) return httpError(known[0], known[1], undefined, err);
  // zlib's errors (Z_…, ERR__… for brotli, ZSTD_…): the body is not what its Content-Encoding says.
  if (/^(Z_|ERR__|ZSTD_)/.test((err as { code?: string }).code ?? '')) {
    return httpError('undecodable_body', 'the body could not be decoded as its Content-Encoding says', undefined, err);
  }
  if (failure.status === 413) return httpError('payload_too_large', 'the body exceeds the size limit', undefined, err);
  if (failure.status === 415) return httpError('unsupported_media_type', failure.error.message, undefined, err);
  return httpError('bad_request', failure.error.message, undefined, err);
}

function requireApiKey(apiKey: string | undefined): RequestHandler {
  if (!apiKey) return (_req, _res, next) => next();
  const expected = Buffer.from(apiKey);
  return (req, _res, next) => {
    const authorization = parseAuthorization(req.get('authorization'));
    const given = Buffer.from(authorization?.scheme === 'bearer' ? authorization.credentials : '');
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    next(
      ok
        ? undefined
        : httpError('unauthorized', 'a valid "Authorization: Bearer <PUBLISH_API_KEY>" header is required'),
    );
  };
}

const requireJson: RequestHandler = (req, _res, next) => {
  const type = req.get('content-type');
  next(
    type && req.is(['application/json', '+json'])
      ? undefined
      : httpError('unsupported_media_type', `Content-Type must be application/json, got ${type ?? 'none'}`),
  );
};

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = parseIdempotencyKey(header);
  if (key === undefined) {
    throw httpError(
      'invalid_idempotency_key',
      'Idempotency-Key must be 1 to 255 visible ASCII characters (quoted or not)',
    );
  }
  return key;
}

/** The OpenAPI document, built once for the bulk limit in force (the topic may lower it), and the topics'. */
function serveDocuments(app: Express, config: Config, limits: () => PublishLimits): void {
  let document: { maxBulkEvents: number; json: string } | undefined;
  app.get('/openapi.json', (_req, res) => {
    const { maxBulkEvents } = limits();
    if (document?.maxBulkEvents !== maxBulkEvents)
      document = { maxBulkEvents, json: JSON.stringify(generatorDocument(config, maxBulkEvents)) };
    res.type('application/json').send(document.json);
  });
  const topics = JSON.stringify(asyncApiDocument());
  app.get('/asyncapi.json', (_req, res) => res.type('application/json').send(topics));
}

export function createApp({ config, logger, publisher, idClaims, metrics, limits, readiness }: AppDeps): Express {
  const burst = config.PUBLISH_RATE_BURST || config.PUBLISH_RATE_LIMIT;
  const limiter = config.PUBLISH_RATE_LIMIT > 0 ? createRateLimiter(config.PUBLISH_RATE_LIMIT, burst) : undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const log = logger.child({ component: 'http' });

  app.use(...httpObservability({ logger, registry: metrics.registry, readiness }));

  serveDocuments(app, config, limits);

  app.post(
    '/publish',
    requireApiKey(config.PUBLISH_API_KEY),
    requireJson,
    // body-parser decodes identity, gzip, deflate, br and zstd, and applies the limit to the decoded bytes.
    express.raw({ type: () => true, limit: config.MAX_BODY_BYTES }),
    async (req, res) => {
      const started = performance.now();
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const idempotencyKey = idempotencyKeyOf(req.get('idempotency-key'));
      const { records, bulk, claims } = parsePublishBody(body, limits(), idempotencyKey);
      if (limiter) {
        // Counted in events, not requests: a bulk of 500 is 500.
        const decision = limiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown', records.length);
        res.set({
          'ratelimit-limit': String(burst),
          'ratelimit-remaining': String(decision.remaining),
          'ratelimit-reset': String(decision.resetSeconds),
        });
        if (!decision.allowed) {
          if (records.length > burst) {
            throw httpError(
              'too_many_events',
              `${records.length} events in one request; at most ${burst} (PUBLISH_RATE_BURST) fit the rate limit`,
            );
          }
          res.set('retry-after', String(decision.resetSeconds));
          throw httpError(
            'rate_limited',
            `more than ${config.PUBLISH_RATE_LIMIT} events/s from your address; retry after ${decision.resetSeconds} s`,
          );
        }
      }
      const claimed = await idClaims.claim(claims);
      if (claimed.kind === 'conflict') {
        const { id, index } = claims[claimed.index]!;
        throw idempotencyKey === undefined
          ? httpError(
              'event_id_reused',
              `${bulk ? `event ${index}: ` : ''}event_id ${id} was used with another body within the dedup window`,
              {
                ...(bulk ? { index } : {}),
              },
            )
          : httpError(
              'idempotency_key_reused',
              'this Idempotency-Key was used with another body within the dedup window',
            );
      }
      // The same body again: sent to Kafka again (the first send may have failed), stored once by the consumer.
      if (claimed.replayed > 0)
        res.setHeader('idempotent-replayed', claimed.replayed === records.length ? 'true' : 'partial');
      await publisher.publish(records.map((r) => ({ key: r.event.user_id, value: r.json })));
      metrics.published.inc(records.length);
      metrics.publishLatency.observe((performance.now() - started) / 1000);
      // The stored JSON texts are sent back as they are: no second serialization.
      const json = bulk ? `[${records.map((r) => r.json).join(',')}]` : records[0]!.json;
      res.status(202).type('application/json').send(json);
    },
  );

  app.use(unlistedRoute(generatorDocument(config, config.MAX_BULK_EVENTS), httpError));

  const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
    const known = toHttpError(err);
    const error = known ?? httpError('internal', 'internal error');
    if (!known) log.error({ err }, 'unhandled error');
    metrics.errors.inc({ code: error.code });
    if (res.headersSent) return;
    if (error.status === 503) res.set('retry-after', String(config.RETRY_AFTER_SECONDS));
    res.status(error.status).json(error.toJSON());
  };
  app.use(errorHandler);
  return app;
}
