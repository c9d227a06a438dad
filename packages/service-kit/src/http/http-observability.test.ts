import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import express from 'express';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { httpObservability } from './http-observability.js';

async function serve(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const registry = new Registry();
  const app = express();
  app.use(...httpObservability({ logger: createLogger('test', level, destination), registry, readiness: () => [] }));
  app.get('/items/:id', (req, res) => void res.status(req.params.id === 'gone' ? 410 : 200).send('x'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  onTestFinished(() => void server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, metrics: () => registry.metrics() };
}

describe('httpObservability', () => {
  it('counts and times each request by route and status', async () => {
    const { url, metrics } = await serve('info');
    for (const id of ['a', 'b', 'gone']) await fetch(`${url}/items/${id}`);
    await fetch(`${url}/nowhere`);
    const text = await metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/items/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/items/:id",status="410"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('http_request_duration_seconds_count{route="/items/:id"} 3');
    expect(text).toContain('http_request_duration_seconds_count{route="unmatched"} 1');
  });

  it("logs a client's mistake at info and a success only at debug", async () => {
    const quiet = await serve('info');
    await fetch(`${quiet.url}/items/a`);
    await fetch(`${quiet.url}/items/gone`);
    await new Promise((r) => setTimeout(r, 50));
    expect(quiet.lines.map((l) => [l.level, l.url, l.status])).toEqual([[30, '/items/gone', 410]]);

    const verbose = await serve('debug');
    await fetch(`${verbose.url}/items/a`);
    await new Promise((r) => setTimeout(r, 50));
    expect(verbose.lines.map((l) => [l.level, l.url, l.status])).toEqual([[20, '/items/a', 200]]);
  });
});
