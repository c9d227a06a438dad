import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './paths.js';

/** A mount as Compose v2 writes it in `config --format json` (the long syntax, whatever the file wrote). */
export interface Mount {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { selinux?: 'z' | 'Z' };
}

export interface ComposeService extends Record<string, unknown> {
  image?: string;
  user?: string;
  volumes?: Mount[];
  tmpfs?: string[];
  ports?: unknown[];
  cap_add?: string[];
  command?: string[];
  mem_limit?: string;
  pull_policy?: string;
}

/**
 * The files as Compose v2 itself merges and validates them (extends, anchors, overlays, profiles):
 * `docker compose -f … config --format json`. Needs no engine; a missing Compose is one clear error.
 */
export function composeConfig(files: string[], profiles = ''): Record<string, ComposeService> {
  let output: string;
  try {
    output = execFileSync('docker', ['compose', ...files.flatMap((f) => ['-f', f]), 'config', '--format', 'json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, COMPOSE_PROJECT_NAME: 'static-check', COMPOSE_PROFILES: profiles },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(
      e.code === 'ENOENT' || /is not a docker command|unknown command/.test(String(e.stderr))
        ? 'Compose v2 is not installed (`docker compose`): scripts/compose-v2.sh ensure builds it; make test runs it'
        : String(e.stderr ?? e),
    );
  }
  return (JSON.parse(output) as { services: Record<string, ComposeService> }).services;
}
