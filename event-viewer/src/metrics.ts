import { createRegistry } from '@eventstreamapp/service-kit';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ViewerMetrics {
  registry: Registry;
  /** Redis failures by where they happened: connection, live_read, catch_up. */
  redisErrors: Counter<'kind'>;
  liveDropped: Counter;
  liveGaps: Counter<'reason'>;
  /** The newest pages answered from memory (hit) or read from Redis (miss). */
  pageCache: Counter<'result'>;
  exportedEvents: Counter;
  exportsRefused: Counter<'limit'>;
  exportsEnded: Counter<'outcome'>;
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
  return {
    registry,
    redisErrors: new Counter({
      name: 'redis_errors_total',
      help: 'Redis failures, by where: connection, live_read (the stream reader), catch_up (a live client catching up)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    liveDropped: new Counter({
      name: 'live_clients_dropped_total',
      help: 'Live clients dropped for reading too slowly (they resume on reconnect)',
      registers: [registry],
    }),
    liveGaps: new Counter({
      name: 'live_stream_gaps_total',
      help: 'Live clients told of a gap: their Last-Event-ID was ahead of the stream, or trimmed from it',
      labelNames: ['reason'],
      registers: [registry],
    }),
    exportedEvents: new Counter({
      name: 'export_events_total',
      help: 'Events GET /export handed to its clients’ sockets (it waits while a client does not read)',
      registers: [registry],
    }),
    exportsRefused: new Counter({
      name: 'exports_refused_total',
      help:
        'GET /export refused with 429: EXPORTS_IN_FLIGHT running in all (total) or EXPORTS_PER_CLIENT of one ' +
        'client',
      labelNames: ['limit'],
      registers: [registry],
    }),
    exportsEnded: new Counter({
      name: 'exports_ended_total',
      help:
        'Exports by how they ended: complete, max_events, scan_budget, time_budget, stalled, client_gone, ' +
        'read_failed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    pageCache: new Counter({
      name: 'page_cache_requests_total',
      help: 'Requests for the newest unfiltered pages: answered from memory (hit) or read from Redis (miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

/** The live-client cap, so an alert can compare live_clients with it. */
export function registerLiveCap(registry: Registry, max: number): void {
  new Gauge({
    name: 'live_clients_max',
    help: 'LIVE_MAX_CLIENTS: live connections beyond it get 503',
    registers: [registry],
  }).set(max);
}
