import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { isAlive } from './process-state.ts';
import { waitUntilReady } from './readiness.ts';
import { type ServiceName, serviceCommand } from './services.ts';

/** A pino line. Lines anyone relies on carry a fixed `event` (e.g. `consumer.joined`): match that, never `msg`. */
export interface LogLine {
  level: number;
  msg: string;
  event?: string;
  [key: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: LogLine[];
  /** Everything the process wrote that was not a JSON log line. */
  otherOutput: string[];
  exited: Promise<ExitStatus>;
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  waitForEvent(event: string, timeoutMs?: number): Promise<LogLine>;
  /** The base URL it listens on, from its `service.listening` line (useful with PORT=0). */
  url(timeoutMs?: number): Promise<string>;
  /** Resolves once GET /readyz answers 200; rejects with the log's tail when it exits or times out. */
  ready(timeoutMs?: number): Promise<string>;
  /** Sends the signal and resolves with the exit code (or signal) and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<ExitStatus & { ms: number }>;
  /** The last lines, for error messages. */
  tail(lines?: number): string;
}

export interface SpawnOptions {
  /** The whole environment of the child (nothing is inherited implicitly). */
  env: Record<string, string | undefined>;
  /** Also append its output to this file. */
  logFile?: string;
  /** Run as this user and group id (root only): chaos runs cut one process off the network by its uid. */
  uid?: number;
}

/**
 * Runs a service as the Docker image and the local runtime do — `node dist/main.js` in its folder —
 * reading its JSON log lines as they come. The one way the tests and the bench start a service.
 */
export function spawnService(name: ServiceName, { env, logFile, uid }: SpawnOptions): ServiceProcess {
  const { command, args, cwd } = serviceCommand(name);
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  const logs: LogLine[] = [];
  const otherOutput: string[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  let file: ReturnType<typeof createWriteStream> | undefined;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    file = createWriteStream(logFile, { flags: 'a' });
    void exited.then(() => file?.end());
  }
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (text) => {
      file?.write(`${text}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        otherOutput.push(text);
        return;
      }
      logs.push(line);
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  }
  const tail = (count = 15) =>
    [...otherOutput.slice(-count), ...logs.slice(-count).map((l) => JSON.stringify(l))].join('\n');

  const handle: ServiceProcess = {
    name,
    child,
    logs,
    otherOutput,
    exited,
    tail,
    waitForLog(match, timeoutMs = 30_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        const fail = (why: string) => {
          if (!waiters.delete(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`${name}: ${why}; its last output:\n${tail()}`));
        };
        const timer = setTimeout(() => fail(`no matching log line in ${timeoutMs} ms`), timeoutMs);
        void exited.then(({ code, signal }) => fail(`exited (${code ?? signal}) before the log line appeared`));
      });
    },
    waitForEvent(event, timeoutMs) {
      return handle.waitForLog((l) => l.event === event, timeoutMs);
    },
    async url(timeoutMs = 30_000) {
      return (await handle.waitForEvent('service.listening', timeoutMs)).url as string;
    },
    async ready(timeoutMs = 60_000) {
      const started = Date.now();
      const url = await handle.url(timeoutMs);
      const outcome = await waitUntilReady(`${url}/readyz`, {
        timeoutMs: Math.max(timeoutMs - (Date.now() - started), 1_000),
        alive: () => child.pid !== undefined && isAlive(child.pid) && child.exitCode === null,
      });
      if (outcome !== 'ready')
        throw new Error(`${name}: not ready at ${url}/readyz (${outcome}); its last output:\n${tail()}`);
      return url;
    },
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return { ...(await exited), ms: Date.now() - started };
    },
  };
  return handle;
}
