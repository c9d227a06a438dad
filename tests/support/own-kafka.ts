import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';
import { freePort } from './wait.js';

const run = promisify(execFile);

export interface OwnKafka {
  brokers: string;
  /** Starts it, with `properties` (server.properties lines, ours overridden) for this start and the next ones. */
  start(properties?: string): Promise<void>;
  /** A controlled shutdown, like `docker stop`; its data and topics stay for the restart. */
  stop(): Promise<void>;
  /** Stops it and deletes its data, as `kafka.sh wipe` does. */
  wipe(): Promise<void>;
  remove(): Promise<void>;
  /** The broker's process id (from its pid file). */
  pid(): number;
  /** Whether that process is running (stopped counts): a broker whose log directory fails halts by itself. */
  alive(): boolean;
}

/**
 * A single-node KRaft broker owned by one test (own ports and data), through infra/kafka/kafka.sh;
 * `started: false` only reserves its ports, for a test of what runs before Kafka is up. Its state in `dir`
 * when given (the caller's to delete), else in a folder of its own.
 */
export async function startOwnKafka({
  started = true,
  dir: given,
  properties,
}: {
  started?: boolean;
  dir?: string;
  properties?: string;
} = {}): Promise<OwnKafka> {
  const dir = given ?? mkdtempSync(join(tmpdir(), 'eventstreamapp-kafka-'));
  const env = {
    ...process.env,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_STATE_DIR: dir,
    KAFKA_LIB_DIR: join(REPO_ROOT, '.local/kafka-lib/4.4.0'),
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    KAFKA_EXTRA_PROPERTIES: properties ?? '',
  };
  const script = (command: string) =>
    run('bash', ['infra/kafka/kafka.sh', command], { cwd: REPO_ROOT, env, timeout: 180_000 });
  const own: OwnKafka = {
    brokers: `127.0.0.1:${env.KAFKA_PORT}`,
    start: async (properties?: string) => {
      if (properties !== undefined) env.KAFKA_EXTRA_PROPERTIES = properties;
      await script('start');
    },
    stop: async () => {
      await script('stop');
    },
    wipe: async () => {
      await script('wipe');
    },
    pid: () => Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim()),
    alive: () => {
      try {
        process.kill(own.pid(), 0);
        return true;
      } catch {
        return false;
      }
    },
    remove: async () => {
      await script('stop').catch(() => undefined);
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (started) await own.start();
  return own;
}
