import { createServer } from 'node:net';

/** Polls until the probe returns something truthy (never a fixed sleep as synchronisation). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A port free now, chosen below the kernel's ephemeral range (32768+ on Linux): a port taken
 * from that range can be grabbed by any outgoing connection before the service binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

/**
 * The first of `count` consecutive free ports below the ephemeral range; with `partnerOffset`, each port's
 * partner that far above is free too (a Redis Cluster node's bus port is its port + 10000).
 */
export async function freePortRun(count: number, partnerOffset = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - partnerOffset - count - 20_000));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    const all = partnerOffset > 0 ? ports.flatMap((p) => [p, p + partnerOffset]) : ports;
    if ((await Promise.all(all.map(canListen))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports${partnerOffset ? ` with free partners +${partnerOffset}` : ''}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** One sample of a Prometheus metric from a service's /metrics (the sum over its label sets). */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  let found = false;
  for (const [, value] of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'gm'))) {
    sum += Number(value);
    found = true;
  }
  if (!found) throw new Error(`no metric ${name} at ${baseUrl}/metrics`);
  return sum;
}

/** Asserts that `probe` keeps returning the same value for `ms` (polled): for "nothing more happens". */
export async function expectSteady<T>(probe: () => Promise<T>, ms: number, what: string): Promise<void> {
  const first = await probe();
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await probe();
    if (now !== first) throw new Error(`${what} changed from ${String(first)} to ${String(now)}`);
  }
}
