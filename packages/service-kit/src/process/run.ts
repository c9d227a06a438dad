import type { Logger } from 'pino';
import { ConfigError, deprecationNotices } from '../config/config.js';
import { CONFIG_ERROR_EXIT } from './exit-codes.js';

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
  // Node's warnings become pino lines like everything else.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn({ event: 'node.warning', err: warning }, 'node warning'));
  let stopping = false;
  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'service.stopping', reason }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error(
        { event: 'service.stop_timeout', timeoutMs: shutdownTimeoutMs },
        'shutdown timed out; exiting anyway',
      );
      process.exit(exitCode || 1);
    }, shutdownTimeoutMs);
    deadline.unref();
    try {
      await service.stop();
      logger.info({ event: 'service.stopped' }, 'stopped');
      process.exitCode = exitCode;
    } catch (err) {
      logger.error({ event: 'service.stop_failed', err }, 'stop failed');
      process.exitCode = 1;
    }
    clearTimeout(deadline);
    // Flush pino, then leave even if some library keeps a handle open.
    logger.flush(() => process.exit(process.exitCode ?? 0));
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));
  // Started with an IPC channel (the local runtime's supervisor): when the supervisor dies, even by
  // SIGKILL, the channel closes and the service stops instead of running on as an orphan nobody tracks.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => void stop('supervisor gone', 0));
  }
  service.onFatal?.((err) => {
    logger.fatal({ event: 'service.failed', err }, 'service failed');
    void stop(`fatal: ${err.message}`, 1);
  });
  try {
    await service.start();
  } catch (err) {
    logger.fatal({ event: 'service.start_failed', err }, 'start failed');
    await stop('start failed', 1);
  }
}

function writeLogLine(level: number, service: string, event: string, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), service, event, msg })}\n`);
}

/**
 * Loads configuration in main.ts, before the logger exists: a bad value prints one line naming it
 * and exits 78 (EX_CONFIG, which supervisors treat as "do not restart"); a deprecated variable
 * prints a warning line.
 */
export function loadConfigOrExit<T>(service: string, load: () => T, env: NodeJS.ProcessEnv = process.env): T {
  try {
    const config = load();
    for (const notice of deprecationNotices(env)) writeLogLine(40, service, 'config.deprecated', notice);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    writeLogLine(60, service, 'config.invalid', err.message);
    process.exit(CONFIG_ERROR_EXIT);
  }
}
