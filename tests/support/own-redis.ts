import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './wait.js';

export interface OwnRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGKILL when `hard`, else SHUTDOWN; the append-only file keeps what was acknowledged. */
  stop(hard?: boolean): Promise<void>;
  /** SIGSTOP: the process freezes with its connections open, as a hung host would. */
  freeze(): void;
  thaw(): void;
  /** Whether its process is running (frozen counts): a full disk makes it exit by itself. */
  alive(): boolean;
  remove(): Promise<void>;
}

/**
 * A redis-server owned by one test (append-only persistence, fsync always), which it may stop and restart;
 * its files in `dir` when given (the caller's to delete), else in a folder of its own.
 */
export async function startOwnRedis(options: { dir?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'eventstreamapp-redis-'));
  let child: ChildProcess | undefined;
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
        ],
        {
          stdio: 'ignore',
        },
      );
      const probe = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => {});
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect();
          await probe.ping();
          probe.disconnect();
          return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error(`redis-server on port ${port} did not start (is redis-server installed?)`);
    },
    async stop(hard = false) {
      if (!child || child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    alive: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async remove() {
      own.thaw();
      await own.stop(true);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  await own.start();
  return own;
}
