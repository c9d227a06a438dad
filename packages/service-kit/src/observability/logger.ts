import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** One root logger per process: JSON lines on stdout (a command-line tool: stderr), `service` on every line. */
export function createLogger(service: string, level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}
