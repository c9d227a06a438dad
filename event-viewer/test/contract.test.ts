import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRouteOperations } from '../../tests/support/app-routes.js';
import { startViewer } from './helpers.js';

type Doc = { paths: Record<string, Record<string, { security?: unknown[] }>> };

describe("the viewer's OpenAPI document", () => {
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  beforeAll(async () => {
    viewer = await startViewer({
      VIEWER_TOKEN: 'reader-token-0123456789',
      VIEWER_OPERATOR_TOKEN: 'operator-token-0123456789',
    });
  });
  afterAll(async () => viewer?.stop());

  it('is served without credentials and validates against the OpenAPI 3.1 schema', async () => {
    const res = await fetch(`${viewer.url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as Doc;
    const result = await new Validator().validate(document as object);
    expect(result.valid ? 'valid' : JSON.stringify(result.errors).slice(0, 2_000)).toBe('valid');
    expect(document.paths['/events']?.get?.security).toEqual([{ viewerToken: [] }]);
  });

  it('lists every route the viewer has, and no route it does not have', async () => {
    const document = (await (await fetch(`${viewer.url}/openapi.json`)).json()) as Doc;
    const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = getRouteOperations(viewer.viewer.app);
    // /healthz, /readyz and /metrics are answered before the router (service-kit's ops handler).
    const outside = ['GET /healthz', 'GET /readyz', 'GET /metrics'];
    expect(routed.filter((op) => !documented.includes(op))).toEqual([]);
    expect(documented.filter((op) => !routed.includes(op) && !outside.includes(op))).toEqual([]);
  });

  it('answers a documented path asked with another method 405, naming the methods it takes', async () => {
    const auth = { authorization: 'Bearer reader-token-0123456789' };
    for (const [path, method, allow] of [
      ['/events', 'DELETE', 'GET, HEAD'],
      ['/dlq/replay', 'GET', 'POST'],
      ['/readyz', 'POST', 'GET, HEAD'],
    ] as const) {
      const res = await fetch(`${viewer.url}${path}`, { method, headers: auth });
      expect([path, res.status, res.headers.get('allow')]).toEqual([path, 405, allow]);
    }
    expect((await fetch(`${viewer.url}/nowhere`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });
});
