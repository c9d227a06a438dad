import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface OpsOptions {
  registry: Registry;
  /** Each dependency the service needs, checked on every /readyz. */
  readiness: () => Promise<ReadinessCheck[]> | ReadinessCheck[];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Answers /healthz (the process is alive), /readyz (its connections work; 503 otherwise) and
 * /metrics (Prometheus text), resolving once answered. Returns undefined, synchronously, for any
 * other request, so the express apps' hot path pays no promise for it; the small ops servers
 * share it.
 */
export function createOpsHandler({ registry, readiness }: OpsOptions) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> | undefined => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return Promise.resolve();
    }
    if (path === '/readyz') {
      return Promise.resolve()
        .then(readiness)
        .catch((err: Error) => [{ name: 'readiness', ok: false, detail: err.message }])
        .then((checks) => {
          const ready = checks.every((c) => c.ok);
          sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
        });
    }
    if (path === '/metrics') {
      return registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      });
    }
    return undefined;
  };
}

export interface StartedServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

/**
 * An HTTP server with bounded waits: a client that trickles its headers or body (slowloris)
 * is cut off instead of holding a connection for Node's default five minutes.
 */
export function createHttpServer(handler: RequestListener): Server {
  return createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, handler);
}

/** Listens and resolves with the bound port (port 0 picks a free one, for tests). */
export async function listen(server: Server, port: number, host: string): Promise<StartedServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  let closing = false;
  // Once stopping, answers tell keep-alive clients to go, so their connections drain.
  server.on('request', (_req, res: ServerResponse) => {
    if (closing && !res.headersSent) res.setHeader('connection', 'close');
  });
  return {
    server,
    port: bound,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: (graceMs = 3_000) =>
      new Promise<void>((resolve) => {
        closing = true;
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** The small HTTP port of a service without a public one. */
export async function startOpsServer(options: OpsOptions & { port: number; host: string }): Promise<StartedServer> {
  const handle = createOpsHandler(options);
  const server = createHttpServer((req, res) => {
    const answering = handle(req, res);
    if (!answering)
      sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } });
    else answering.catch(() => sendJson(res, 500, { error: { code: 'internal', message: 'ops endpoint failed' } }));
  });
  return listen(server, options.port, options.host);
}
