import { z } from 'zod';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** A response: its media types, each with a zod schema or a JSON Schema, and the headers it sets. */
export interface ResponseSpec {
  description: string;
  content?: Record<string, z.ZodType | JsonSchema>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

interface ParameterSpec {
  name: string;
  in: 'query' | 'header' | 'path';
  description: string;
  required?: boolean;
  schema: z.ZodType;
}

export interface OperationSpec {
  method: 'get' | 'post';
  path: string;
  operationId: string;
  summary: string;
  parameters?: ParameterSpec[];
  body?: { description: string; content: Record<string, z.ZodType> };
  responses: Record<number, ResponseSpec>;
  /** Names of the security schemes that may authorize it (any one); none: open to anyone. */
  security?: string[];
}

export interface DocumentSpec {
  title: string;
  version: string;
  description: string;
  operations: OperationSpec[];
  securitySchemes?: Record<string, JsonSchema>;
}

/**
 * A zod schema as OpenAPI 3.1 takes it: the input side (what a client may send or read), refinements that JSON
 * Schema cannot say left to the server's own answer (a 400 naming the field), and no `$schema` of its own.
 */
function jsonSchemaOf(schema: z.ZodType | JsonSchema): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const contentOf = (content: Record<string, z.ZodType | JsonSchema>) =>
  Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema: jsonSchemaOf(schema) }]));

/** The error body every service answers with: `{"error": {"code", "message", …details}}`. */
function errorBodySchema(codes: readonly string[]): JsonSchema {
  return jsonSchemaOf(
    z.object({ error: z.looseObject({ code: z.enum(codes as [string, ...string[]]), message: z.string() }) }),
  );
}

/**
 * The error responses of a service's code → status table, one per status (of those `statuses` asks for),
 * each listing its codes, so a client can switch on the code and the document says which status brings it.
 */
export function errorResponses(
  codes: Record<string, number>,
  statuses: readonly number[],
  headers: Record<number, ResponseSpec['headers']> = {},
): Record<number, ResponseSpec> {
  return Object.fromEntries(
    statuses.map((status) => {
      const named = Object.keys(codes).filter((code) => codes[code] === status);
      if (named.length === 0) throw new Error(`no error code has status ${status}`);
      const response: ResponseSpec = {
        description: `error: ${named.join(', ')}`,
        content: { 'application/json': errorBodySchema(named) },
        ...(headers[status] ? { headers: headers[status] } : {}),
      };
      return [status, response];
    }),
  );
}

const RETRY_AFTER = { description: 'seconds to wait before trying again', schema: { type: 'string' } };
export const RETRY_AFTER_HEADER = { 'Retry-After': RETRY_AFTER };

/** /healthz, /readyz and /metrics, which every service answers the same way (ops.ts). */
export const OPS_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'the process is alive',
    responses: {
      200: { description: 'alive', content: { 'application/json': z.object({ status: z.literal('ok') }) } },
    },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'its connections work: each dependency checked',
    responses: Object.fromEntries(
      [
        [200, 'ready'],
        [503, 'not ready'],
      ].map(([status, word]) => [
        status,
        {
          description: String(word),
          content: {
            'application/json': z.object({
              status: z.literal(String(word)),
              checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
            }),
          },
        },
      ]),
    ),
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus text exposition',
    responses: { 200: { description: 'the metrics', content: { 'text/plain': { type: 'string' } } } },
  },
];

function operationObject(op: OperationSpec): JsonSchema {
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.parameters
      ? {
          parameters: op.parameters.map((p) => ({
            name: p.name,
            in: p.in,
            description: p.description,
            required: p.in === 'path' || p.required === true,
            schema: jsonSchemaOf(p.schema),
          })),
        }
      : {}),
    ...(op.body
      ? { requestBody: { description: op.body.description, required: true, content: contentOf(op.body.content) } }
      : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        {
          description: r.description,
          ...(r.headers ? { headers: r.headers } : {}),
          ...(r.content ? { content: contentOf(r.content) } : {}),
        },
      ]),
    ),
    security: op.security ? op.security.map((name) => ({ [name]: [] })) : [],
  };
}

/** An OpenAPI 3.1 document from operations whose schemas are the zod schemas the service parses with. */
export function openApiDocument(spec: DocumentSpec): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of spec.operations) {
    const openApiPath = op.path.replace(/:(\w+)/g, '{$1}');
    paths[openApiPath] = { ...paths[openApiPath], [op.method]: operationObject(op) };
  }
  return {
    openapi: '3.1.1',
    info: { title: spec.title, version: spec.version, description: spec.description },
    paths,
    ...(spec.securitySchemes ? { components: { securitySchemes: spec.securitySchemes } } : {}),
  };
}

/**
 * The methods a document lists for a request path (GET bringing HEAD), or undefined for a path it does not
 * list: a known path asked with another method is answered 405 with these in `Allow`, not 404.
 */
export function allowedMethods(document: JsonSchema): (path: string) => string[] | undefined {
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).map(([template, ops]) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    return { match: new RegExp(`^${pattern}$`), methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods };
  });
  return (path) => paths.find((p) => p.match.test(path))?.methods;
}
