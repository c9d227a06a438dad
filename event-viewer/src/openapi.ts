import { eventSchema } from '@eventstreamapp/event-schema';
import {
  errorResponses as errorResponsesOf,
  type JsonSchema,
  OPS_OPERATIONS,
  type OperationSpec,
  openApiDocument,
  RETRY_AFTER_HEADER,
  type ResponseSpec,
} from '@eventstreamapp/service-kit';
import { z } from 'zod';
import { auditQuerySchema } from './audit/routes.js';
import type { Config } from './config.js';
import { dlqQuerySchema } from './dlq/dead-letter-page.js';
import { selectionSchema } from './dlq/replay-routes.js';
import { exportQuerySchema } from './events/export.js';
import { pageQuerySchema } from './events/query.js';
import { ERROR_CODES } from './http/errors.js';
import { liveQuerySchema } from './live/routes.js';
import { statusQuerySchema } from './status/status-route.js';

type Code = keyof typeof ERROR_CODES;
const HTML = { 'text/html': { type: 'string' } };
const object = (description: string) => ({ type: 'object', description });
const RETRY = { 429: RETRY_AFTER_HEADER, 503: RETRY_AFTER_HEADER };

/** The viewer's errors: JSON, or an HTML page for a client preferring HTML (a browser). */
const errorResponses = (table: typeof ERROR_CODES, codes: Code[], headers: typeof RETRY) =>
  errorResponsesOf(table, codes, headers, true);

/** What each operation shares: a path it cannot decode, and with credentials on, who may ask. */
function commonCodes(config: Config): Code[] {
  const credentials = config.VIEWER_TOKEN || config.VIEWER_OPERATOR_TOKEN || config.VIEWER_USERS_FILE;
  return ['bad_request', ...(credentials ? (['unauthorized', 'too_many_attempts'] as Code[]) : [])];
}

/** An operation answering HTML or JSON by Accept (406 for neither), reading Redis. */
function page(
  config: Config,
  path: string,
  summary: string,
  json: z.ZodType | JsonSchema,
  codes: Code[],
  extra: Partial<OperationSpec> = {},
): OperationSpec {
  const operationId = path.replace(/[^a-z]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase());
  const all: Code[] = [...commonCodes(config), 'not_acceptable', 'redis_unavailable', ...codes];
  return {
    method: 'get',
    path,
    operationId: operationId || 'root',
    summary,
    responses: {
      200: {
        description: 'HTML for a browser, JSON for `Accept: application/json`',
        content: { ...HTML, 'application/json': json },
      },
      ...errorResponses(ERROR_CODES, [...new Set(all)], RETRY),
    },
    ...security(config),
    ...extra,
  };
}

function security(config: Config): Pick<OperationSpec, 'security'> {
  const schemes = [
    ...(config.VIEWER_TOKEN || config.VIEWER_OPERATOR_TOKEN ? ['viewerToken'] : []),
    ...(config.VIEWER_USERS_FILE ? ['viewerUser'] : []),
  ];
  return schemes.length > 0 ? { security: schemes } : {};
}

const jobSchema = z.object({ job: z.looseObject({ id: z.string(), dryRun: z.boolean(), state: z.string() }) });
const REPLAY_CODES: Code[] = ['forbidden', 'csrf_failed', 'kafka_unavailable'];

function replayOperations(config: Config): OperationSpec[] {
  const job = (status: number): Record<number, ResponseSpec> => ({
    [status]: { description: 'the job (JSON), or its page', content: { ...HTML, 'application/json': jobSchema } },
  });
  const post = (path: string, operationId: string, summary: string, codes: Code[]): OperationSpec => ({
    method: 'post',
    path,
    operationId,
    summary,
    ...(path.includes(':id') ? { parameters: [idParameter] } : {}),
    responses: {
      ...job(202),
      303: { description: 'a form post: to the job’s page' },
      ...errorResponses(ERROR_CODES, [...commonCodes(config), ...REPLAY_CODES, ...codes], RETRY),
    },
    ...security(config),
  });
  const idParameter = { name: 'id', in: 'path' as const, description: 'the job’s id', schema: z.string() };
  const dryRun = post('/dlq/replay', 'dryRun', 'count what a selection would replay (a dry run)', [
    'invalid_query',
    'replay_running',
    'audit_unavailable',
  ]);
  const form = z.object({ ...selectionSchema.shape, csrf: z.string().optional() });
  dryRun.body = {
    description: 'the selection (none: every dead letter), and the CSRF token (or `X-CSRF-Token`)',
    required: false,
    emptyFieldsAbsent: true,
    content: { 'application/x-www-form-urlencoded': form, 'application/json': form },
  };
  return [
    dryRun,
    post('/dlq/replay/:id/confirm', 'confirmReplay', 'replay what a dry run counted', [
      'dry_run_required',
      'replay_running',
      'audit_unavailable',
    ]),
    post('/dlq/replay/:id/cancel', 'cancelReplay', 'end a running job early', ['replay_not_running']),
    {
      method: 'get',
      path: '/dlq/replay/:id',
      operationId: 'replayJob',
      summary: 'a dry run or replay: its counts as they grow, and its outcome',
      parameters: [idParameter],
      responses: {
        ...job(200),
        ...errorResponses(ERROR_CODES, [...commonCodes(config), 'forbidden', 'not_found', 'kafka_unavailable'], RETRY),
      },
      ...security(config),
    },
  ];
}

const events = z.array(eventSchema);

/** One server-sent event of /live: stored events (`data`, the entry's `id`), or a `gap` saying what was missed. */
const SSE_EVENT = {
  type: 'object',
  properties: {
    event: { type: 'string' },
    data: { type: 'string' },
    id: { type: 'string' },
    retry: { type: 'integer' },
  },
};

/** The root's redirect and the pages' two assets. */
function plainOperations(config: Config): OperationSpec[] {
  const asset = (path: string, operationId: string, type: string): OperationSpec => ({
    method: 'get',
    path,
    operationId,
    summary: `the pages' ${type === 'text/css' ? 'style sheet' : 'script'}`,
    responses: {
      200: { description: 'the file', content: { [type]: { type: 'string' } } },
      ...errorResponses(ERROR_CODES, commonCodes(config), RETRY),
    },
    ...security(config),
  });
  return [
    {
      method: 'get',
      path: '/',
      operationId: 'root',
      summary: 'to /events',
      responses: { 302: { description: 'to /events' }, ...errorResponses(ERROR_CODES, commonCodes(config), RETRY) },
      ...security(config),
    },
    asset('/assets/live.js', 'liveScript', 'text/javascript'),
    asset('/assets/style.css', 'styleSheet', 'text/css'),
  ];
}

/** The events room's and the live room's operations. */
function eventOperations(config: Config): OperationSpec[] {
  const reads: Code[] = ['invalid_query', 'too_many_reads'];
  return [
    page(config, '/events', 'events, newest first: filtered, searched, paged by Link rel="next"', events, reads, {
      query: pageQuerySchema(config.MAX_LIMIT),
    }),
    page(
      config,
      '/events/:userId',
      'a user’s latest event (JSON), or their page',
      eventSchema,
      [...reads, 'not_found'],
      {
        query: pageQuerySchema(config.MAX_LIMIT),
        parameters: [{ name: 'userId', in: 'path', description: 'the user_id', schema: z.string() }],
      },
    ),
    page(config, '/rate', 'events stored per 5-second bucket', object('{bucket_ms, buckets}'), []),
    {
      method: 'get',
      path: '/export',
      operationId: 'export',
      summary: 'the filter’s events as a download: NDJSON or CSV, within its budgets',
      query: exportQuerySchema(config.MAX_LIMIT),
      responses: {
        200: {
          description: 'the events, newest first; the last line says so when a budget ended it',
          content: { 'application/x-ndjson': { type: 'string' }, 'text/csv': { type: 'string' } },
        },
        ...errorResponses(
          ERROR_CODES,
          [...commonCodes(config), 'invalid_query', 'too_many_exports', 'redis_unavailable', 'too_many_reads'],
          RETRY,
        ),
      },
      ...security(config),
    },
    {
      method: 'get',
      path: '/live',
      operationId: 'live',
      summary: 'each event as it is stored: server-sent events, or the live page for a browser',
      query: liveQuerySchema,
      responses: {
        200: { description: 'the stream, or the page', content: { 'text/event-stream': SSE_EVENT, ...HTML } },
        ...errorResponses(
          ERROR_CODES,
          [...commonCodes(config), 'invalid_query', 'too_many_live_clients', 'redis_unavailable'],
          RETRY,
        ),
      },
      ...security(config),
    },
  ];
}

/** The operator's rooms: status, dead letters and their replay, the audit log. */
function operatorOperations(config: Config): OperationSpec[] {
  return [
    page(
      config,
      '/status',
      'the pipeline: lag per partition, rates, dead letters, Redis, Kafka',
      object('the last sample'),
      ['invalid_query', 'kafka_unavailable'],
      { query: statusQuerySchema },
    ),
    page(
      config,
      '/dlq',
      'dead letters, newest refused first',
      object('{topic, depth, deadLetters, …}'),
      ['invalid_query', 'kafka_unavailable'],
      { query: dlqQuerySchema },
    ),
    ...replayOperations(config),
    page(
      config,
      '/audit',
      'what operators did, newest first (operators only)',
      object('{entries}'),
      ['invalid_query', 'forbidden'],
      { query: auditQuerySchema },
    ),
  ];
}

/** The viewer's HTTP surface, from the zod schemas its routes parse with and the configuration in force. */
export function viewerDocument(config: Config): JsonSchema {
  const operations: OperationSpec[] = [
    ...eventOperations(config),
    ...operatorOperations(config),
    ...OPS_OPERATIONS,
    ...plainOperations(config),
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'this document (OpenAPI 3.1)',
      responses: { 200: { description: 'this document', content: { 'application/json': object('OpenAPI 3.1') } } },
    },
  ];
  return openApiDocument({
    title: 'event-viewer',
    version: '1.0.0',
    description: 'Shows the stored events, live, and the pipeline’s state (README "HTTP", "Operating it").',
    operations,
    securitySchemes: {
      ...(config.VIEWER_TOKEN || config.VIEWER_OPERATOR_TOKEN
        ? { viewerToken: { type: 'http', scheme: 'bearer', description: 'VIEWER_TOKEN or VIEWER_OPERATOR_TOKEN' } }
        : {}),
      ...(config.VIEWER_USERS_FILE
        ? { viewerUser: { type: 'http', scheme: 'basic', description: 'a user of VIEWER_USERS_FILE' } }
        : {}),
    },
  });
}
