import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { COMPOSE_FILES, type ComposeTopology } from './compose-files.js';
import { REPO_ROOT } from './paths.js';
import { freePort } from './wait.js';

export interface ComposeStack {
  project: string;
  generatorUrl: string;
  viewerUrl: string;
  /** `make ARGS RUNTIME=docker` in this stack's environment; resolves with stdout and stderr together. */
  make(...args: string[]): Promise<string>;
  /** scripts/compose.sh ARGS (docker compose or docker-compose, whichever is installed). */
  compose(...args: string[]): Promise<string>;
  /** Names of the running or stopped containers of one service, in container-number order. */
  containers(service: string): Promise<string[]>;
  docker(...args: string[]): Promise<string>;
  /** Any command in the repository with this stack's environment. */
  run(command: string, ...args: string[]): Promise<string>;
  /** `redis-cli ARGS` inside the redis container (or another service's), one reply line per element. */
  redisCli(...args: string[]): Promise<string[]>;
  redisCliOf(service: string, ...args: string[]): Promise<string[]>;
  /** POSTs a body to /publish; resolves with the 202's text, rejects with any other answer. */
  publish(body: unknown): Promise<string>;
  /** Volumes no container uses, outside this project's named ones: anonymous volumes left behind. */
  anonymousVolumes(): Promise<string[]>;
  /** Removes everything, its Redis volume included. */
  remove(): Promise<void>;
}

/**
 * Runs a command with no stdin (Compose v1's `exec -T` would wait for an open one to close) and
 * resolves with stdout and stderr together; rejects with them on a non-zero exit or the timeout.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}:\n${output.slice(-6_000)}`));
    });
  });
}

/** A Docker engine, started when installed and not running (scripts/prerequisites.sh); else one clear error. */
export async function ensureDockerEngine(): Promise<void> {
  await run('bash', ['scripts/prerequisites.sh', 'docker-engine'], process.env, 120_000).catch((err: Error) => {
    throw new Error(
      `no Docker engine for the Docker runtime's tests: ${err.message.split('\n').filter(Boolean).at(-1)}`,
    );
  });
}

/**
 * The compose project under its own name and host ports, so it neither disturbs nor depends on a
 * stack a developer runs as `eventstreamapp` on 8080 and 5000; the topology's files (compose-files.ts). A
 * cluster's stack gets a network range of its own (REDIS_CLUSTER_NET), apart from a developer's cluster.
 */
export async function composeStack(topology: ComposeTopology = 'single'): Promise<ComposeStack> {
  const project = `eventstreamapp-test-${randomBytes(3).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOPOLOGY: topology,
    COMPOSE_FILES: COMPOSE_FILES[topology].join(' '),
    ...(topology === 'cluster' ? { REDIS_CLUSTER_NET: `172.31.${200 + (randomBytes(1)[0]! % 40)}` } : {}),
    COMPOSE_PROJECT_NAME: project,
    GENERATOR_PORT: String(await freePort()),
    VIEWER_PORT: String(await freePort()),
  };
  const stack: ComposeStack = {
    project,
    generatorUrl: `http://127.0.0.1:${env.GENERATOR_PORT}`,
    viewerUrl: `http://127.0.0.1:${env.VIEWER_PORT}`,
    make: (...args) => run('make', ['--no-print-directory', ...args, 'RUNTIME=docker'], env, 900_000),
    compose: (...args) => run('bash', ['scripts/compose.sh', ...args], env, 600_000),
    docker: (...args) => run('docker', args, env, 120_000),
    run: (command, ...args) => run(command, args, env, 120_000),
    async containers(service) {
      const names = await stack.docker(
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        `label=com.docker.compose.service=${service}`,
        '--format',
        '{{.Label "com.docker.compose.container-number"}} {{.Names}}',
      );
      return names
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string])
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, name]) => name);
    },
    redisCli: (...args) => stack.redisCliOf('redis', ...args),
    async redisCliOf(service, ...args) {
      const [redis] = await stack.containers(service);
      return (await stack.docker('exec', redis!, 'redis-cli', ...args)).split('\n').filter(Boolean);
    },
    async publish(body) {
      const res = await fetch(`${stack.generatorUrl}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 202) throw new Error(`POST /publish answered ${res.status}: ${text}`);
      return text;
    },
    async anonymousVolumes() {
      return (await stack.docker('volume', 'ls', '-q', '--filter', 'dangling=true'))
        .split('\n')
        .filter((name) => name && !name.startsWith(`${project}_`));
    },
    async remove() {
      await stack.compose('down', '-v', '--remove-orphans').catch(() => undefined);
    },
  };
  return stack;
}
