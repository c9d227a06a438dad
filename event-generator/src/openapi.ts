import { eventSchema, publishBodySchema } from '@eventstreamapp/event-schema';
import {
  errorResponses,
  type JsonSchema,
  OPS_OPERATIONS,
  type OperationSpec,
  openApiDocument,
  RETRY_AFTER_HEADER,
} from '@eventstreamapp/service-kit';
import { z } from 'zod';
import type { Config } from './config.js';
import { ERROR_CODES } from './errors.js';

const text = { schema: { type: 'string' } };
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'events allowed in a burst (PUBLISH_RATE_BURST)', ...text },
  'RateLimit-Remaining': { description: 'events left in the burst', ...text },
  'RateLimit-Reset': { description: 'seconds until the burst is whole again', ...text },
};

function publishOperation(config: Config, maxBulkEvents: number): OperationSpec {
  const limited = config.PUBLISH_RATE_LIMIT > 0 ? RATE_LIMIT_HEADERS : {};
  // Every code but a wrong route's and a bug's, the key's and the rate limit's when they are on.
  const codes = Object.keys(ERROR_CODES).filter(
    (code) =>
      !['not_found', 'method_not_allowed', 'internal'].includes(code) &&
      (code !== 'unauthorized' || config.PUBLISH_API_KEY !== undefined) &&
      (code !== 'rate_limited' || config.PUBLISH_RATE_LIMIT > 0),
  );
  return {
    method: 'post',
    path: '/publish',
    operationId: 'publish',
    summary: 'publish one event, or an array of them (all or nothing), to the topic `events`',
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        description: 'gives each event without its own event_id one derived from the key and its position',
        schema: z.string().regex(/^("[\x21-\x7e]{1,255}"|[\x21-\x7e]{1,255})$/),
      },
    ],
    body: {
      description: 'one event or an array of them',
      content: { 'application/json': publishBodySchema(maxBulkEvents) },
    },
    responses: {
      202: {
        description: 'acknowledged by Kafka: the events as they will be stored, in the order sent',
        headers: {
          ...limited,
          'Idempotent-Replayed': { description: '`true` or `partial`: the same body was published before', ...text },
        },
        content: { 'application/json': z.union([eventSchema, z.array(eventSchema)]) },
      },
      ...errorResponses(ERROR_CODES, codes, { 429: { ...RETRY_AFTER_HEADER, ...limited }, 503: RETRY_AFTER_HEADER }),
    },
    ...(config.PUBLISH_API_KEY ? { security: ['publishApiKey'] } : {}),
  };
}

const DOCUMENT_OPERATIONS: OperationSpec[] = [
  ['/openapi.json', 'openapi', 'this document (OpenAPI 3.1)'],
  ['/asyncapi.json', 'asyncapi', 'the topics `events` and `events.dlq` (AsyncAPI 3)'],
].map(([path, operationId, summary]) => ({
  method: 'get',
  path: path!,
  operationId: operationId!,
  summary: summary!,
  responses: { 200: { description: summary!, content: { 'application/json': { type: 'object' } } } },
}));

/** The generator's HTTP surface, from the schemas it parses with and the limits in force. */
export function generatorDocument(config: Config, maxBulkEvents: number): JsonSchema {
  return openApiDocument({
    title: 'event-generator',
    version: '1.0.0',
    description: 'Publishes events to the Kafka topic `events` (README "HTTP API").',
    operations: [publishOperation(config, maxBulkEvents), ...OPS_OPERATIONS, ...DOCUMENT_OPERATIONS],
    ...(config.PUBLISH_API_KEY
      ? { securitySchemes: { publishApiKey: { type: 'http', scheme: 'bearer', description: 'PUBLISH_API_KEY' } } }
      : {}),
  });
}
