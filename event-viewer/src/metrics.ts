import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ViewerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'route'>;
  liveClients: Gauge;
}

export function createMetrics(liveClients: () => number): ViewerMetrics {
  const registry = createRegistry('event-viewer');
  return {
    registry,
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer, by route',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    liveClients: new Gauge({
      name: 'live_clients',
      help: 'Open server-sent-event connections',
      registers: [registry],
      collect() {
        this.set(liveClients());
      },
    }),
  };
}
