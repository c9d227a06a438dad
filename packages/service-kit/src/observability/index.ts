/** Logs, metrics, readiness probes, and the throttle that keeps a repeated warning to one line. */
export { createLogger, type Logger } from './logger.js';
export { createRegistry } from './metrics.js';
export { type Probe, READINESS_PROBE_INTERVAL_MS, startKafkaProbe, startProbe } from './probe.js';
export { createThrottle } from './throttle.js';
