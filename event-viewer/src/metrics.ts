import { createRegistry } from '@eventstreamapp/service-kit';
import { Gauge, type Registry } from 'prom-client';

export interface ViewerMetrics {
  registry: Registry;
}

export function createMetrics(liveClients: () => number): ViewerMetrics {
  const registry = createRegistry('event-viewer');
  new Gauge({
    name: 'live_clients',
    help: 'Open server-sent-event connections',
    registers: [registry],
    collect() {
      this.set(liveClients());
    },
  });
  return { registry };
}
