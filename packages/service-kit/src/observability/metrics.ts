import { collectDefaultMetrics, Registry } from 'prom-client';

/** How often the nodejs_eventloop_lag_* histogram samples the loop's delay. */
const EVENT_LOOP_SAMPLE_MS = 1_000;

/** A registry per service (never prom-client's global one, so tests can build many apps). */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay histogram samples with a timer on the loop: prom-client's 10 ms default woke every
  // service 100 times a second with nothing to do (ARCHITECTURE.md, "Rules the tree keeps": idle means a few wake-ups a
  // second).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}
