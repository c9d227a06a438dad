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
  /** The query string as one zod object (the one the route parses with): each property a parameter. */
  query?: z.ZodObject;
  /** The request body; `required: false` when an empty one means something (an empty form). */
  body?: {
    description: string;
    content: Record<string, z.ZodType>;
    required?: boolean;
    /** A form whose empty fields count as absent (parsed as a query string is): each field also takes "". */
    emptyFieldsAbsent?: boolean;
  };
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

const EMPTY = { type: 'string', maxLength: 0 };

/** An object schema whose every property also takes "" (an empty field, read as an absent one). */
function emptyFieldsAbsent(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, { anyOf: [EMPTY, p] }])),
  };
}

const contentOf = (content: Record<string, z.ZodType | JsonSchema>, emptyAbsent = false) =>
  Object.fromEntries(
    Object.entries(content).map(([type, schema]) => {
      const json = jsonSchemaOf(schema);
      return [type, { schema: emptyAbsent ? emptyFieldsAbsent(json) : json }];
    }),
  );

/** The error body every service answers with: `{"error": {"code", "message", …details}}`. */
function errorBodySchema(codes: readonly string[]): JsonSchema {
  return jsonSchemaOf(
    z.object({ error: z.looseObject({ code: z.enum(codes as [string, ...string[]]), message: z.string() }) }),
  );
}

/**
 * The error responses of an operation: the codes it can answer with, from the service's code → status table, one
 * response per status listing its codes, so a client can switch on the code and see which status brings it.
 */
export function errorResponses(
  table: Record<string, number>,
  codes: readonly string[],
  headers: Record<number, ResponseSpec['headers']> = {},
  /** The service also answers errors as an HTML page to a client preferring HTML. */
  html = false,
): Record<number, ResponseSpec> {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = table[code];
    if (status === undefined) throw new Error(`${code} is not an error code of this service`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, named]) => {
      const response: ResponseSpec = {
        description: `error: ${named.join(', ')}`,
        content: {
          'application/json': errorBodySchema(named),
          ...(html ? { 'text/html': { type: 'string' } } : {}),
        },
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

/** Query parameters; an empty one counts as absent (an emptied form field), so each also takes "". */
function queryParameters(query: z.ZodObject): JsonSchema[] {
  const { properties = {}, required = [] } = jsonSchemaOf(query) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema: { anyOf: [EMPTY, schema] },
  }));
}

function operationObject(op: OperationSpec): JsonSchema {
  const parameters = [
    ...(op.parameters ?? []).map((p) => ({
      name: p.name,
      in: p.in,
      description: p.description,
      required: p.in === 'path' || p.required === true,
      schema: jsonSchemaOf(p.schema),
    })),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            description: op.body.description,
            required: op.body.required ?? true,
            content: contentOf(op.body.content, op.body.emptyFieldsAbsent),
          },
        }
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
function allowedMethods(document: JsonSchema): (path: string) => string[] | undefined {
  const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>).map(([template, ops]) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    return { match: new RegExp(`^${pattern}$`), methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods };
  });
  return (path) => paths.find((p) => p.match.test(path))?.methods;
}

/**
 * The handler after every route: 404 for a path the document does not list, 405 with `Allow` for one it lists asked
 * with another method. `fail` makes the service's own error for either code.
 */
export function unlistedRoute(
  document: JsonSchema,
  fail: (code: 'not_found' | 'method_not_allowed', message: string) => Error,
): (
  req: { method: string; path: string },
  res: { set(name: string, value: string): unknown },
  next: (err: Error) => void,
) => void {
  const allowed = allowedMethods(document);
  return (req, res, next) => {
    const methods = allowed(req.path);
    if (methods === undefined) return next(fail('not_found', `no route for ${req.method} ${req.path}`));
    res.set('allow', methods.join(', '));
    next(fail('method_not_allowed', `${req.path} takes ${methods.join(', ')}`));
  };
}
