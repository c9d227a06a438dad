import type { Logger } from 'pino';
import { ConfigError } from './config.js';

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The process side of a service, called from main.ts only: starts it, stops it on the first
 * SIGTERM/SIGINT under a hard deadline, and sets the exit code. A service that fails on its
 * own (`fatal`) exits 1 so its supervisor restarts it.
 */
export async function runService(
  service: Service & { onFatal?: (handler: (err: Error) => void) => void },
  logger: Logger,
  shutdownTimeoutMs: number,
): Promise<void> {
  // Node's warnings become pino lines like everything else. kafkajs 2.2.4 triggers a harmless
  // TimeoutNegativeWarning on every start under Node 24 (a 1 ms timer it computes as negative).
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') logger.warn({ err: warning }, 'node warning');
  });
  let stopping = false;
  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: shutdownTimeoutMs }, 'shutdown timed out; exiting anyway');
      process.exit(exitCode || 1);
    }, shutdownTimeoutMs);
    deadline.unref();
    try {
      await service.stop();
      logger.info('stopped');
      process.exitCode = exitCode;
    } catch (err) {
      logger.error({ err }, 'stop failed');
      process.exitCode = 1;
    }
    clearTimeout(deadline);
    // Flush pino, then leave even if some library keeps a handle open.
    logger.flush(() => process.exit(process.exitCode ?? 0));
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
  service.onFatal?.((err) => {
    logger.fatal({ err }, 'service failed');
    void stop(`fatal: ${err.message}`, 1);
  });
  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await stop('start failed', 1);
  }
}

/** Loads configuration in main.ts: a bad value prints one line naming it and exits 78 (EX_CONFIG). */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 60, time: new Date().toISOString(), service, msg: err.message })}\n`);
    process.exit(78);
  }
}
