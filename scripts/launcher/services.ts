import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The four services, in the order the local runtime starts them (consumer first, generators last). */
export const SERVICES = ['event-consumer', 'event-generator', 'event-viewer', 'automatic-generator'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Each service's default port (PORT): its public API, or only /healthz, /readyz and /metrics. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = Object.freeze({
  'event-generator': 8080,
  'event-viewer': 5000,
  'automatic-generator': 8082,
  'event-consumer': 8083,
});

/** The make variable that moves a service's port in the local runtime (the second name is the old one). */
export const PORT_VARIABLES: Readonly<Record<ServiceName, readonly string[]>> = Object.freeze({
  'event-generator': ['GENERATOR_PORT'],
  'event-viewer': ['VIEWER_PORT'],
  'automatic-generator': ['AUTOGEN_PORT', 'AUTOGEN_OPS_PORT'],
  'event-consumer': ['CONSUMER_PORT', 'CONSUMER_OPS_PORT'],
});

export function isServiceName(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/** What every service runs: the Docker images' command, `node dist/main.js`, in its own folder. */
export function serviceCommand(name: ServiceName): { command: string; args: string[]; cwd: string } {
  return { command: process.execPath, args: ['dist/main.js'], cwd: `${REPO_ROOT}${name}` };
}
