import type { Kafka } from 'kafkajs';
import type { ReadinessCheck } from '../http/ops.js';
import { describeError } from '../process/service-error.js';

export interface Probe {
  /** The last probe's outcome: what /readyz reports, read without waiting on anything. */
  readonly check: ReadinessCheck;
  stop(): void;
}

/**
 * Runs `probe` every `intervalMs` while the dependency answers and every `retryMs` while it does not (never
 * two at once), and keeps its last outcome, so /readyz can say whether a dependency answers now — a
 * connection can look ready while the server behind it is frozen — and still answer at once, never blocked
 * on that dependency. A probe still running after `timeoutMs` counts as a failure from then on: a frozen
 * server never answers at all. That is judged when the outcome is read, so an idle service wakes for
 * nothing but the probe itself; and a service starting, or waiting for a dependency to return, is ready
 * within `retryMs` of it answering.
 */
export function startProbe(
  name: string,
  probe: () => Promise<unknown>,
  intervalMs: number,
  timeoutMs = 2 * intervalMs,
  retryMs = Math.min(intervalMs, 1_000),
): Probe {
  let outcome: ReadinessCheck = { name, ok: false, detail: 'not probed yet' };
  let startedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    startedAt = Date.now();
    try {
      await probe();
      outcome = { name, ok: true };
    } catch (err) {
      outcome = { name, ok: false, detail: describeError(err) };
    } finally {
      startedAt = undefined;
    }
    if (stopped) return;
    timer = setTimeout(() => void run(), outcome.ok ? intervalMs : retryMs);
    timer.unref();
  };
  void run();
  return {
    get check() {
      const waited = startedAt === undefined ? 0 : Date.now() - startedAt;
      if (waited >= timeoutMs) return { name, ok: false, detail: `no answer for ${(waited / 1000).toFixed(1)} s` };
      return outcome;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * How often a service asks a dependency that answers whether it still does, and how long an answer may take:
 * a broker that dies or freezes is seen within interval + timeout (8 s). Each probe is a round trip that
 * wakes the service and the server, the largest part of an idle service's cost at 2 s (bench/README, idle);
 * one that does not answer is asked every second.
 */
export const READINESS_PROBE_INTERVAL_MS = 5_000;
const KAFKA_PROBE_TIMEOUT_MS = 3_000;

/**
 * Whether Kafka answers now, for /readyz: a Metadata request (describeCluster) every
 * READINESS_PROBE_INTERVAL_MS on an admin client of the probe's own, never retried. A producer or consumer
 * keeps its connection state long after the broker behind it died or froze; this notices within seconds.
 */
export function startKafkaProbe(kafka: Kafka): Probe & { close(): Promise<void> } {
  const admin = kafka.admin({ retry: { retries: 0 } });
  let connected: Promise<void> | undefined;
  const probe = startProbe(
    'kafka',
    async () => {
      connected ??= admin.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      await connected;
      await admin.describeCluster();
    },
    READINESS_PROBE_INTERVAL_MS,
    KAFKA_PROBE_TIMEOUT_MS,
  );
  return {
    get check() {
      return probe.check;
    },
    stop: probe.stop,
    async close() {
      probe.stop();
      await Promise.race([admin.disconnect(), new Promise((r) => setTimeout(r, 1_000).unref())]);
    },
  };
}
