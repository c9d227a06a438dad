import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** One root logger per process: JSON lines on stdout, `service` on every line. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
