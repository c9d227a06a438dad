import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { CONFIG_ERROR_EXIT } from '../../packages/service-kit/src/process/exit-codes.ts';
import { backoffDelay } from '../../packages/service-kit/src/process/retry.ts';
import { type ServiceName, serviceCommand } from './services.ts';

/** What `make ps` reads: the supervisor's view of its service. */
export interface SupervisorState {
  service: ServiceName;
  supervisorPid: number;
  childPid: number | null;
  state: 'running' | 'restarting' | 'stopped' | 'config-error';
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
  startedAt: string;
}

export { CONFIG_ERROR_EXIT };

export interface SupervisorOptions {
  service: ServiceName;
  stateFile: string;
  logFile: string;
  /** A run this long counts as healthy: the next failure starts the backoff over. */
  stableAfterMs?: number;
  maxBackoffMs?: number;
  stopGraceMs?: number;
}

/**
 * The wait before the next restart: 1 s, doubling with each failure in a row, up to the cap (the one backoff policy).
 */
export function restartDelay(failuresInARow: number, maxBackoffMs: number): number {
  return backoffDelay(failuresInARow, { initialDelayMs: 1_000, maxDelayMs: maxBackoffMs });
}

/** The supervisor's state, replaced whole (a reader never sees half of it). */
function saveState(stateFile: string, state: SupervisorState): void {
  writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state)}\n`);
  renameSync(`${stateFile}.tmp`, stateFile);
}

/** One JSON line in the service's log, as pino writes them: `make logs` shows the launcher's among the service's. */
function appendLogLine(logFile: string, line: Record<string, unknown>): void {
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `${JSON.stringify(line)}\n`);
  closeSync(fd);
}

/**
 * Keeps one service running, as Compose's `restart: unless-stopped` does: when it exits on its own
 * it is started again after a backoff, except for a configuration error (78). SIGTERM stops the
 * service (forwarding the signal, SIGKILL after a grace period) and then the supervisor.
 */
export function supervise(options: SupervisorOptions): void {
  const { service, stateFile, logFile, stableAfterMs = 30_000, maxBackoffMs = 30_000, stopGraceMs = 10_000 } = options;
  const state: SupervisorState = {
    service,
    supervisorPid: process.pid,
    childPid: null,
    state: 'running',
    restarts: 0,
    startedAt: new Date().toISOString(),
  };
  let child: ChildProcess | undefined;
  let stopping = false;
  let failuresInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const save = () => saveState(stateFile, state);
  const note = (level: number, event: string, msg: string, extra: Record<string, unknown> = {}) =>
    appendLogLine(logFile, {
      level,
      time: new Date().toISOString(),
      service: 'launcher',
      supervised: service,
      event,
      msg,
      ...extra,
    });

  const start = () => {
    const { command, args, cwd } = serviceCommand(service);
    const out = openSync(logFile, 'a');
    const startedAt = Date.now();
    // The IPC channel is the service's lifeline: it closes when this supervisor dies, and the service stops.
    child = spawn(command, args, { cwd, env: process.env, stdio: ['ignore', out, out, 'ipc'] });
    closeSync(out);
    state.childPid = child.pid ?? null;
    state.state = 'running';
    save();
    child.on('exit', (code, signal) => {
      state.childPid = null;
      state.lastExit = { code, signal, at: new Date().toISOString() };
      if (stopping) return;
      if (code === CONFIG_ERROR_EXIT) {
        state.state = 'config-error';
        save();
        note(
          50,
          'launcher.config_error',
          `${service} refused its configuration (exit ${CONFIG_ERROR_EXIT}); not restarting it`,
        );
        process.exit(CONFIG_ERROR_EXIT);
      }
      failuresInARow = Date.now() - startedAt >= stableAfterMs ? 1 : failuresInARow + 1;
      const delay = restartDelay(failuresInARow, maxBackoffMs);
      state.state = 'restarting';
      state.restarts++;
      save();
      note(40, 'launcher.restarting', `${service} exited (${code ?? signal}); restarting in ${delay} ms`, {
        code,
        signal,
        restarts: state.restarts,
        delayMs: delay,
      });
      restartTimer = setTimeout(start, delay);
    });
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(restartTimer);
    const done = () => {
      state.state = 'stopped';
      save();
      process.exit(0);
    };
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child?.kill('SIGKILL'), stopGraceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  start();
}
