import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface AutomaticGeneratorMetrics {
  registry: Registry;
  published: Counter;
  /** Named and labelled as the generator's: failed publishes by error code. */
  errors: Counter<'code'>;
  dropped: Counter;
}

/** The automatic generator's metrics; `pending` is read at each scrape. */
export function createMetrics(pending: () => number): AutomaticGeneratorMetrics {
  const registry = createRegistry('automatic-generator');
  new Gauge({
    name: 'events_pending',
    help: 'Events made but not yet acknowledged',
    registers: [registry],
    collect() {
      this.set(pending());
    },
  });
  return {
    registry,
    published: new Counter({
      name: 'events_published_total',
      help: 'Events acknowledged by Kafka',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'publish_errors_total',
      help: 'Failed publishes (producer requests) by error code, as the generator counts its own',
      labelNames: ['code'],
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'events_dropped_total',
      help: 'Events dropped because the pending queue was full',
      registers: [registry],
    }),
  };
}
