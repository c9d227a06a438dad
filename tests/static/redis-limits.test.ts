import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/paths.js';

// Every Redis the project starts has the same memory budget (infra/lib.sh is the one source): a
// compose file or script that forgets it lets one reader, or months of events, grow Redis unbounded.

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const lib = read('infra/lib.sh');
const maxmemory = /^REDIS_MAXMEMORY=\$\{REDIS_MAXMEMORY:-([^}]+)\}$/m.exec(lib)?.[1];
const limitArgs = /^REDIS_LIMIT_ARGS=\(([^)]*)\)$/m.exec(lib)?.[1];

describe('the Redis memory budget', () => {
  it('is stated once in infra/lib.sh', () => {
    expect(maxmemory).toBe('1gb');
    expect(limitArgs).toContain('--maxmemory-policy noeviction');
    expect(limitArgs).toContain('--client-output-buffer-limit "normal 64mb 16mb 10"');
  });

  it.each(['infra/redis/redis.sh', 'infra/redis/replicated.sh'])(
    'is given to every redis-server that %s starts',
    (script) => {
      const starts = read(script)
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .filter((line) => /^\s*redis-server /.test(line) && !line.includes('--sentinel'));
      expect(starts.length).toBeGreaterThan(0);
      // The bash array expansion, written out: "${REDIS_LIMIT_ARGS[@]}".
      for (const line of starts) expect(line).toContain(['"$', '{REDIS_LIMIT_ARGS[@]}"'].join(''));
    },
  );

  it.each(['docker-compose.yml', 'docker-compose.replicated.yml', 'docker-compose.cluster.yml'])(
    'is given to every Redis server in %s',
    (file) => {
      const services = (parse(read(file), { merge: true }) as { services: Record<string, { command?: unknown }> })
        .services;
      const servers = Object.entries(services).filter(
        ([, s]) => Array.isArray(s.command) && s.command[0] === 'redis-server' && !s.command.includes('--sentinel'),
      );
      expect(servers.length).toBeGreaterThan(0);
      for (const [name, service] of servers) {
        const command = (service.command as string[]).join(' ');
        expect(command, name).toContain(`--maxmemory \${REDIS_MAXMEMORY:-${maxmemory}}`);
        expect(command, name).toContain('--maxmemory-policy noeviction');
        expect(command, name).toContain('--client-output-buffer-limit normal 64mb 16mb 10');
      }
    },
  );
});
