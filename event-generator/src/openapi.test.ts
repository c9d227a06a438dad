import { DEFAULT_TIMESTAMP_WINDOW } from '@eventstreamapp/event-schema';
import { createLogger } from '@eventstreamapp/service-kit';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { getRouteOperations } from '../../tests/support/app-routes.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { ERROR_CODES } from './errors.js';
import { createMetrics } from './metrics.js';
import { generatorDocument } from './openapi.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown>; security: unknown[] }>> };

const validate = async (document: unknown) => {
  const result = await new Validator().validate(document as object);
  return result.valid ? 'valid' : JSON.stringify(result.errors).slice(0, 2_000);
};

describe("the generator's OpenAPI document", () => {
  it('validates against the OpenAPI 3.1 schema, open and with credentials and a rate limit', async () => {
    expect(await validate(generatorDocument(loadConfig({}), 1_000))).toBe('valid');
    const closed = loadConfig({ PUBLISH_API_KEY: 'k'.repeat(16), PUBLISH_RATE_LIMIT: '10' });
    expect(await validate(generatorDocument(closed, 1_000))).toBe('valid');
  });

  it('lists every status POST /publish answers with, each error code under its own status', () => {
    const open = generatorDocument(loadConfig({}), 1_000) as Doc;
    expect(Object.keys(open.paths['/publish']!.post!.responses)).toEqual(['202', '400', '413', '415', '422', '503']);
    expect(open.paths['/publish']!.post!.security).toEqual([]);
    const closed = generatorDocument(
      loadConfig({ PUBLISH_API_KEY: 'k'.repeat(16), PUBLISH_RATE_LIMIT: '10' }),
      1,
    ) as Doc;
    const post = closed.paths['/publish']!.post!;
    expect(Object.keys(post.responses)).toEqual(['202', '400', '401', '413', '415', '422', '429', '503']);
    expect(post.security).toEqual([{ publishApiKey: [] }]);
    const codes = JSON.stringify(post.responses['400']);
    for (const [code, status] of Object.entries(ERROR_CODES))
      if (status === 400) expect(codes, code).toContain(`"${code}"`);
    expect(JSON.stringify(post.responses['429'])).toContain('Retry-After');
    expect(JSON.stringify(post)).toContain('"maxItems":1');
  });

  it('lists every route the generator has, and no route it does not have', () => {
    const config = loadConfig({});
    const app = createApp({
      config,
      logger: createLogger('event-generator', 'silent'),
      publisher: { publish: async () => undefined },
      idClaims: { claim: async () => ({ kind: 'claimed', replayed: 0 }) },
      metrics: createMetrics(),
      limits: () => ({
        maxBodyBytes: 1,
        maxEventBytes: 1,
        maxBulkEvents: 1,
        timestampWindow: DEFAULT_TIMESTAMP_WINDOW,
      }),
      readiness: () => [],
    });
    const documented = Object.entries((generatorDocument(config, 1) as Doc).paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = getRouteOperations(app);
    // /healthz, /readyz and /metrics are answered before the router (service-kit's ops handler).
    const outside = ['GET /healthz', 'GET /readyz', 'GET /metrics'];
    expect(routed.filter((op) => !documented.includes(op))).toEqual([]);
    expect(documented.filter((op) => !routed.includes(op) && !outside.includes(op))).toEqual([]);
  });
});
