import autocannon from 'autocannon';
import { Agent, request } from 'undici';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Of non2xx, the server's own failures (5xx): a refusal such as 429 is not one. */
  serverErrors: number;
}

/** autocannon against one URL for a fixed duration. */
export async function hammer(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: options.method ?? 'GET',
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: options.headers ?? {},
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    serverErrors: result['5xx'],
  };
}

/**
 * The paced publishes' connections: at most 64, each kept alive 2 s. With fetch's unbounded pool a
 * 1,000/s run opened a connection per request in flight (thousands, once the machine stalled), most
 * then idle; the generator closes an idle one after its 5 s keep-alive timeout, and a harness whose
 * event loop had stalled sent requests on sockets already closed: one screen run at 1,000/s lost 1,219
 * publishes ("other side closed", ECONNRESET). 64 connections stay busy at these rates; a burst after a
 * stall waits in the harness (inside the measured latency) instead of opening more.
 */
const publishAgent = new Agent({ connections: 64, keepAliveTimeout: 2_000 });

/**
 * POSTs one JSON body and reads the answer; a failed connection is status 0 with its reason as the
 * text, an error the scenario counts, never an exception that ends the bench.
 */
export async function postJson(url: string, body: string): Promise<{ status: number; text: string }> {
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      dispatcher: publishAgent,
    });
    return { status: res.statusCode, text: await res.body.text() };
  } catch (err) {
    return { status: 0, text: (err as Error).message };
  }
}

/**
 * The publishes not answered 202, by why: their status, or `0 <reason>` for a failed connection. One
 * counter per distinct status or reason (a handful).
 */
export function createRefusals() {
  const counts: Record<string, number> = {};
  let total = 0;
  return {
    add({ status, text }: { status: number; text: string }): void {
      const why = status === 0 ? `0 ${text}` : String(status);
      counts[why] = (counts[why] ?? 0) + 1;
      total++;
    },
    get total(): number {
      return total;
    },
    toString: () => JSON.stringify(counts),
  };
}

/** Calls `send(i)` at a fixed rate for a duration, without waiting for earlier calls. */
export async function atFixedRate(
  ratePerSecond: number,
  durationSeconds: number,
  send: (i: number) => Promise<void>,
): Promise<void> {
  const total = Math.round(ratePerSecond * durationSeconds);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
