import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers, isAlive, portHolder, terminate } from './process-state.ts';
import { waitUntilReady } from './readiness.ts';
import { DEFAULT_PORTS, PORT_VARIABLES, REPO_ROOT, SERVICES, type ServiceName, serviceCommand } from './services.ts';
import type { SupervisorState } from './supervisor.ts';

export type Topology = 'single' | 'replicated' | 'cluster';

/** The local runtime's layout and ports, from the environment `make` passes (README, "Runtimes"). */
export function localRuntime(env: NodeJS.ProcessEnv = process.env) {
  const localDir = env.LOCAL_DIR ?? join(REPO_ROOT, '.local');
  const topology: Topology = env.TOPOLOGY === 'replicated' || env.TOPOLOGY === 'cluster' ? env.TOPOLOGY : 'single';
  const port = (service: ServiceName) => {
    const name = PORT_VARIABLES[service].find((v) => env[v]);
    return Number(name ? env[name] : DEFAULT_PORTS[service]);
  };
  return {
    localDir,
    topology,
    runDir: join(localDir, 'run'),
    logDir: join(localDir, 'logs'),
    kafkaPort: Number(env.KAFKA_PORT ?? 9092),
    redisPort: Number(env.REDIS_PORT ?? 6379),
    port,
    url: (service: ServiceName) => `http://127.0.0.1:${port(service)}`,
    readyTimeoutMs: Number(env.READY_TIMEOUT ?? 90) * 1_000,
  };
}

type Runtime = ReturnType<typeof localRuntime>;

const say = (line: string) => process.stderr.write(`${line}\n`);

function pidFile(rt: Runtime, service: ServiceName): string {
  return join(rt.runDir, `${service}.pid`);
}

function stateFile(rt: Runtime, service: ServiceName): string {
  return join(rt.runDir, `${service}.json`);
}

function logFile(rt: Runtime, service: ServiceName): string {
  return join(rt.logDir, `${service}.log`);
}

/** The supervisor's pid, when it is alive. */
export function supervisorPid(rt: Runtime, service: ServiceName): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(rt, service), 'utf8').trim());
    return isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function readState(rt: Runtime, service: ServiceName): SupervisorState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(rt, service), 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

function scriptOutput(script: string, ...args: string[]): string {
  const result = spawnSync('bash', [join(REPO_ROOT, script), ...args], { env: process.env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${script} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The infrastructure's scripts of each topology: Kafka's, then Redis'. */
const INFRA_SCRIPTS: Record<Topology, [kafka: string, redis: string]> = {
  single: ['infra/kafka/kafka.sh', 'infra/redis/redis.sh'],
  replicated: ['infra/kafka/cluster.sh', 'infra/redis/replicated.sh'],
  cluster: ['infra/kafka/cluster.sh', 'infra/redis/cluster.sh'],
};

/**
 * Where the services find Kafka and Redis: the single broker and Redis; or the three brokers and the
 * Sentinels (replicated) or the Redis Cluster's nodes (cluster) — and then the consumer waits for a replica to
 * acknowledge each chunk.
 */
function infraEnv(rt: Runtime, service: ServiceName): NodeJS.ProcessEnv {
  if (rt.topology === 'single') {
    return { KAFKA_BROKERS: `127.0.0.1:${rt.kafkaPort}`, REDIS_URL: `redis://127.0.0.1:${rt.redisPort}` };
  }
  return {
    KAFKA_BROKERS: scriptOutput('infra/kafka/cluster.sh', 'bootstrap'),
    ...(rt.topology === 'replicated'
      ? { REDIS_SENTINELS: scriptOutput('infra/redis/replicated.sh', 'sentinels') }
      : { REDIS_CLUSTER_NODES: scriptOutput('infra/redis/cluster.sh', 'nodes') }),
    ...(service === 'event-consumer' && process.env.REDIS_WAIT_REPLICAS === undefined
      ? { REDIS_WAIT_REPLICAS: '1' }
      : {}),
  };
}

/** What each service is given in the local runtime: the local Kafka and Redis, and its port on 127.0.0.1 only. */
function serviceEnv(rt: Runtime, service: ServiceName): NodeJS.ProcessEnv {
  return {
    ...infraEnv(rt, service),
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    PORT: String(rt.port(service)),
    HOST: '127.0.0.1',
  };
}

function lastLines(path: string, count: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log yet)';
  }
}

/** Starts a service under its supervisor (detached, so it outlives `make`) and waits until it is ready. */
export async function startService(rt: Runtime, service: ServiceName): Promise<void> {
  if (!existsSync(join(REPO_ROOT, service, 'dist/main.js')))
    throw new Error(`${service} is not built: run 'make build'`);
  mkdirSync(rt.runDir, { recursive: true });
  mkdirSync(rt.logDir, { recursive: true });
  const running = supervisorPid(rt, service);
  if (running) {
    say(`${service}: already running (pid ${running})`);
    return;
  }
  await stopOrphans(rt, service);
  const holder = portHolder(rt.port(service));
  if (holder) {
    throw new Error(
      `${service}: port ${rt.port(service)} is held by pid ${holder.pid} (${holder.command.slice(
        0,
        120,
      )}); stop it, or give ${service} another port (${PORT_VARIABLES[service][0]})`,
    );
  }
  rmSync(stateFile(rt, service), { force: true });
  const out = openSync(logFile(rt, service), 'a');
  const supervisor = spawn(
    process.execPath,
    [join(REPO_ROOT, 'scripts/launcher/cli.ts'), 'supervise', service, stateFile(rt, service), logFile(rt, service)],
    { cwd: REPO_ROOT, env: serviceEnv(rt, service), detached: true, stdio: ['ignore', out, out] },
  );
  supervisor.unref();
  writeFileSync(pidFile(rt, service), `${supervisor.pid}\n`);
  const outcome = await waitUntilReady(`${rt.url(service)}/readyz`, {
    timeoutMs: rt.readyTimeoutMs,
    alive: () =>
      supervisor.pid !== undefined && isAlive(supervisor.pid) && readState(rt, service)?.state !== 'config-error',
  });
  if (outcome !== 'ready') {
    const why =
      outcome === 'exited'
        ? 'it exited'
        : `no answer from ${rt.url(service)}/readyz after ${rt.readyTimeoutMs / 1000}s`;
    throw new Error(
      `${service}: not ready (${why}); last lines of ${logFile(rt, service)}:\n${lastLines(logFile(rt, service), 20)}`,
    );
  }
  say(`${service}: running (pid ${supervisor.pid}), log ${logFile(rt, service)}`);
}

/** The pid the pid file records, alive or not: the process group the supervisor led. */
function recordedPid(rt: Runtime, service: ServiceName): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(rt, service), 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A supervisor that died (SIGKILL, the OOM killer) leaves its service in its process group, which
 * the service leaves within its shutdown timeout (its IPC channel closed). Whatever is still in that
 * group is stopped: SIGTERM, then SIGKILL after the grace period.
 */
async function stopOrphans(rt: Runtime, service: ServiceName, graceMs = 15_000): Promise<void> {
  const pgid = recordedPid(rt, service);
  if (!pgid || isAlive(pgid)) return;
  const left = groupMembers(pgid);
  if (left.length === 0) return;
  say(
    `${service}: its supervisor (pid ${pgid}) is gone but pid ${left.join(', ')} of its process group is not; \
stopping it`,
  );
  await terminate(-pgid, () => groupMembers(pgid).length > 0, graceMs);
}

/** SIGTERM to the supervisor, which stops the service first; SIGKILL to both after the grace period. */
export async function stopService(rt: Runtime, service: ServiceName, graceMs = 15_000): Promise<void> {
  const pid = supervisorPid(rt, service);
  if (!pid) {
    await stopOrphans(rt, service, graceMs);
    rmSync(pidFile(rt, service), { force: true });
    say(`${service}: not running`);
    return;
  }
  const childPid = readState(rt, service)?.childPid;
  const killed = await terminate(pid, () => isAlive(pid), graceMs, childPid ? [pid, childPid] : [pid]);
  if (killed) say(`${service}: still running after ${graceMs / 1000}s, killed`);
  rmSync(pidFile(rt, service), { force: true });
  say(`${service}: stopped`);
}

export async function statusLine(rt: Runtime, service: ServiceName): Promise<string> {
  const pid = supervisorPid(rt, service);
  if (!pid) return 'stopped';
  const state = readState(rt, service);
  const ready = await fetch(`${rt.url(service)}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
  const restarts = state?.restarts ? `, ${state.restarts} restart${state.restarts === 1 ? '' : 's'}` : '';
  return `${state?.state ?? 'running'} (pid ${state?.childPid ?? '-'}, supervisor ${pid}${restarts}), ${
    ready ? 'ready' : 'not ready'
  }`;
}

function infra(rt: Runtime, command: 'start' | 'stop' | 'status'): number {
  let failed = 0;
  for (const script of INFRA_SCRIPTS[rt.topology]) {
    const result = spawnSync('bash', [join(REPO_ROOT, script), command], { stdio: 'inherit', env: process.env });
    if (result.status !== 0) failed = result.status ?? 1;
    if (failed && command === 'start') return failed;
  }
  return failed;
}

/** `make up|down|ps|logs|start-generator|…` in the local runtime. */
export async function runLocalRuntime(args: string[]): Promise<number> {
  const rt = localRuntime();
  const [command, name] = args;
  const service = (): ServiceName => {
    if (!name || !(SERVICES as readonly string[]).includes(name))
      throw new Error(`name a service: ${SERVICES.join(', ')}`);
    return name as ServiceName;
  };
  switch (command) {
    case 'up': {
      if (infra(rt, 'start') !== 0) return 1;
      for (const s of SERVICES) await startService(rt, s);
      say(`up: generator ${rt.url('event-generator')}/publish · viewer ${rt.url('event-viewer')}/events`);
      return 0;
    }
    case 'down': {
      for (const s of [...SERVICES].reverse()) await stopService(rt, s);
      infra(rt, 'stop');
      return 0;
    }
    case 'ps': {
      for (const s of SERVICES) process.stdout.write(`${s.padEnd(20)} ${await statusLine(rt, s)}\n`);
      infra(rt, 'status');
      return 0;
    }
    case 'logs': {
      const files = name ? [logFile(rt, service())] : SERVICES.map((s) => logFile(rt, s)).filter((f) => existsSync(f));
      const lines = process.env.LINES ?? (name ? '100' : '20');
      return (
        spawnSync('tail', ['-n', lines, ...(process.env.FOLLOW ? ['-F'] : []), ...files], { stdio: 'inherit' })
          .status ?? 1
      );
    }
    case 'start':
      await startService(rt, service());
      return 0;
    case 'stop':
      await stopService(rt, service());
      return 0;
    case 'restart':
      await stopService(rt, service());
      await startService(rt, service());
      return 0;
    case 'dlq-replay': {
      // A one-off run of the consumer's replay tool with the consumer's own environment (Kafka, Redis, limits).
      const { command: node, cwd } = serviceCommand('event-consumer');
      const env = serviceEnv(rt, 'event-consumer');
      return spawnSync(node, ['dist/dlq-replay-cli.js', ...args.slice(1)], { cwd, env, stdio: 'inherit' }).status ?? 1;
    }
    case 'status':
      process.stdout.write(`${service()}: ${supervisorPid(rt, service()) ? 'running' : 'stopped'}\n`);
      return 0;
    default:
      throw new Error(
        'usage: local-runtime up|down|ps|logs [SERVICE]|start SERVICE|stop SERVICE|restart SERVICE|status ' +
          'SERVICE|dlq-replay [ARGS]',
      );
  }
}
