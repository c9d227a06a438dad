import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
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
  };
}

/**
 * POSTs one JSON body and reads the answer; a connection the server closed under the request (a
 * keep-alive socket it timed out as the request went out, on a loaded machine) is status 0, an error
 * the scenario counts, never an exception that ends the bench.
 */
export async function postJson(url: string, body: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    // The reason (a reset connection, a refused one, a timeout) as the text: the caller counts status 0.
    return { status: 0, text: String((err as Error & { cause?: Error }).cause?.message ?? err) };
  }
}

/** Calls `send(i)` at a fixed rate for a duration, without waiting for earlier calls. */
export async function atFixedRate(ratePerSecond: number, durationSeconds: number, send: (i: number) => Promise<void>): Promise<void> {
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
