export interface PublishOutcome {
  status: number;
  ms: number;
  /** The 202's body: the event's JSON exactly as it will be stored. */
  json?: string;
  error?: string;
}

export interface PublishLoad {
  outcomes: PublishOutcome[];
  /** JSON texts of every acknowledged event. */
  acknowledged(): string[];
  stop(): Promise<PublishOutcome[]>;
}

/**
 * POSTs events at a fixed rate until stopped, recording each answer. A request that does not
 * answer within `hangMs` is recorded as status 0 — a hang the tests treat as a failure.
 */
export function startPublishLoad(url: string, ratePerSecond: number, label: string, hangMs = 10_000): PublishLoad {
  const outcomes: PublishOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let sequence = 0;
  const send = async () => {
    const i = sequence++;
    const started = performance.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: `${label}-u${i % 25}`, action: 'load', seq: i }),
        signal: AbortSignal.timeout(hangMs),
      });
      const text = await res.text();
      outcomes.push({
        status: res.status,
        ms: performance.now() - started,
        ...(res.status === 202 ? { json: text } : {}),
      });
    } catch (err) {
      outcomes.push({ status: 0, ms: performance.now() - started, error: (err as Error).message });
    }
  };
  const timer = setInterval(() => {
    const p = send().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / ratePerSecond);
  return {
    outcomes,
    acknowledged: () => outcomes.filter((o) => o.status === 202).map((o) => o.json!),
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return outcomes;
    },
  };
}
