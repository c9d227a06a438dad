import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startOpsServer } from './ops.js';

describe('the ops port', () => {
  it('answers /healthz, /readyz (503 while a check fails) and /metrics, and 404 for the rest', async () => {
    let ok = false;
    const ops = await startOpsServer({
      registry: new Registry(),
      port: 0,
      host: '127.0.0.1',
      readiness: () => [{ name: 'kafka', ok, detail: ok ? 'fine' : 'down' }],
    });
    onTestFinished(() => ops.close());
    expect(await (await fetch(`${ops.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const notReady = await fetch(`${ops.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not ready',
      checks: [{ name: 'kafka', ok: false, detail: 'down' }],
    });
    ok = true;
    expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${ops.url}/metrics`)).headers.get('content-type')).toMatch(/text\/plain/);
    expect((await fetch(`${ops.url}/nope`)).status).toBe(404);
  });
});
