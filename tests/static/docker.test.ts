import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { serviceCommand } from '../../scripts/launcher/services.ts';
import { type ComposeService, composeConfig } from '../support/compose-config.js';
import { COMPOSE_FILES } from '../support/compose-files.js';
import { REPO_ROOT } from '../support/paths.js';
import { CONFIG_PORTS } from '../support/service-ports.js';

// What can be proven without a Docker engine (tests/docker runs the real thing): the Docker path
// is pinned to what the local runtime and the tests run.

const SERVICES = CONFIG_PORTS;

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml')) as {
  name?: string;
  services: Record<
    string,
    Record<string, unknown> & {
      build?: { context: string; dockerfile: string; args?: Record<string, string> };
      ports?: string[];
      image?: string;
    }
  >;
  volumes: Record<string, unknown>;
};
/** How the compose file writes a variable with its default: ${NAME:-default}. */
const variable = (name: string, fallback: string) => `\${${name}:-${fallback}}`;
const kafkaVersion = /<kafka.version>([^<]+)<\/kafka.version>/.exec(read('infra/kafka/pom.xml'))?.[1];

describe('the Dockerfiles', () => {
  const rendered = mkdtempSync(join(tmpdir(), 'dockerfiles-'));
  afterAll(() => rmSync(rendered, { recursive: true, force: true }));

  it('are exactly what scripts/render-dockerfiles.sh writes from the one template', () => {
    execFileSync('bash', [join(REPO_ROOT, 'scripts/render-dockerfiles.sh'), rendered]);
    for (const service of Object.keys(SERVICES)) {
      expect(read(`${service}/Dockerfile`), `${service}/Dockerfile is stale: run scripts/render-dockerfiles.sh`).toBe(
        readFileSync(join(rendered, service, 'Dockerfile'), 'utf8'),
      );
    }
  });

  it.each(Object.entries(SERVICES))(
    '%s builds like `npm run build`, runs `node dist/main.js` as non-root and checks /healthz on its port',
    (service, port) => {
      const dockerfile = read(`${service}/Dockerfile`);
      const rootBuild = (JSON.parse(read('package.json')) as { scripts: { build: string } }).scripts.build;
      expect(dockerfile).toMatch(new RegExp(`^RUN npx ${rootBuild}$`, 'm'));
      expect(dockerfile).toContain('CMD ["node", "dist/main.js"]');
      expect(dockerfile).toContain(`WORKDIR /app/${service}`);
      expect(dockerfile).toMatch(/^USER node$/m);
      // Healthy means connected: /readyz, not /healthz (which is 200 without Kafka or Redis).
      expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/readyz/m);
      expect(dockerfile).toContain(`(process.env.PORT || ${port})`);
      expect(dockerfile).toContain(`EXPOSE ${port}`);
      // The base image is a parameter defaulting to the official one, never a shadowed tag.
      expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
      expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(3);
      expect(dockerfile).not.toMatch(/^# syntax=/m);
      for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm))
        expect(existsSync(join(REPO_ROOT, source!)), source).toBe(true);
    },
  );

  it('start the same command as the one launcher the local runtime, the tests and the bench use', () => {
    expect(serviceCommand('event-consumer')).toMatchObject({ command: process.execPath, args: ['dist/main.js'] });
    expect(read('scripts/launcher/supervisor.ts')).toContain('serviceCommand(service)');
    expect(read('scripts/launcher/service-process.ts')).toContain('serviceCommand(name)');
  });
});

describe('docker-compose.yml', () => {
  it('names the project in .env (read by Compose v2 and v1) and the services as the seed does', () => {
    expect(compose.name).toBeUndefined();
    expect(read('.env')).toMatch(/^COMPOSE_PROJECT_NAME=eventstreamapp$/m);
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'automatic-generator',
        'event-consumer',
        'event-generator',
        'event-viewer',
        'kafka',
        'kafka-init',
        'prometheus',
        'redis',
      ].sort(),
    );
    // Prometheus only with `make up MONITORING=1`.
    expect(compose.services.prometheus?.profiles).toEqual(['monitoring']);
  });

  it('publishes only 8080 and 5000 (Prometheus on this host only), pins no container name: consumers scale', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name}=${p}`),
    );
    expect(published.sort()).toEqual([
      `event-generator=${variable('GENERATOR_PORT', '8080')}:8080`,
      `event-viewer=${variable('VIEWER_PORT', '5000')}:5000`,
      `prometheus=127.0.0.1:${variable('PROMETHEUS_PORT', '9090')}:9090`,
    ]);
    for (const service of Object.values(compose.services)) expect(service).not.toHaveProperty('container_name');
  });

  it('builds each service from the repository root with its own Dockerfile', () => {
    for (const service of Object.keys(SERVICES)) {
      expect(compose.services[service]?.build).toEqual({
        context: '.',
        dockerfile: `${service}/Dockerfile`,
        args: { NODE_IMAGE: variable('NODE_IMAGE', 'node:24-bookworm-slim') },
      });
      expect(existsSync(join(REPO_ROOT, `${service}/Dockerfile`))).toBe(true);
    }
  });

  it('runs the local runtime’s Apache Kafka version, and Redis with append-only persistence on a volume', () => {
    expect(kafkaVersion).toMatch(/^4\./);
    expect(compose.services.kafka?.image).toBe(variable('KAFKA_IMAGE', `apache/kafka:${kafkaVersion}`));
    expect(compose.services['kafka-init']?.image).toBe(variable('KAFKA_IMAGE', `apache/kafka:${kafkaVersion}`));
    expect(compose.services.redis?.image).toBe(variable('REDIS_IMAGE', 'redis:7.4-alpine'));
    expect(read('tests/support/docker-infrastructure.ts')).toContain(`apache/kafka:${kafkaVersion}`);
    expect(read('scripts/docker-images.sh')).toContain('[KAFKA_IMAGE]=apache/kafka:$KAFKA_VERSION');
    expect(((compose.services.redis?.command ?? []) as string[]).join(' ')).toContain('--appendonly yes');
    expect(compose.services.redis?.volumes).toEqual(['redis-data:/data']);
  });

  it('starts services only after what they need is healthy or done', () => {
    const dependsOn = (name: string) => compose.services[name]?.depends_on as Record<string, { condition: string }>;
    expect(dependsOn('kafka-init')).toEqual({ kafka: { condition: 'service_healthy' } });
    for (const name of ['event-generator', 'automatic-generator', 'event-consumer'])
      expect(dependsOn(name)['kafka-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(dependsOn('event-consumer').redis).toEqual({ condition: 'service_healthy' });
    expect(dependsOn('event-viewer').redis).toEqual({ condition: 'service_healthy' });
    for (const name of ['kafka', 'redis']) expect(compose.services[name]).toHaveProperty('healthcheck');
  });

  it('is a valid Compose file for Compose v2, as it is: every service outside a profile', () => {
    const outsideProfiles = Object.keys(compose.services).filter((name) => !compose.services[name]?.profiles);
    expect(Object.keys(composeConfig(['docker-compose.yml'])).sort()).toEqual(outsideProfiles.sort());
  });
});

describe('the containers, hardened in both topologies', () => {
  const merged = (...files: string[]) => composeConfig(files, 'monitoring');
  const single = merged(...COMPOSE_FILES.single);
  const replicated = merged(...COMPOSE_FILES.replicated);
  const cluster = merged(...COMPOSE_FILES.cluster);
  const topologies = { single, replicated, cluster };
  /** A memory limit in MiB: `512m`, `1g`, or bytes, as Compose writes them. */
  const units = (limit: unknown) => {
    const [, n, unit] = /^(\d+)([kmg])?$/i.exec(String(limit)) ?? [];
    const factor = { k: 1 / 1024, m: 1, g: 1024 }[unit?.toLowerCase() as 'k' | 'm' | 'g'] ?? 1 / 2 ** 20;
    return Number(n) * factor;
  };

  it.each(Object.keys(topologies))(
    '%s: every container gains no privilege, rotates its logs and has a memory limit',
    (topology) => {
      for (const [name, service] of Object.entries(topologies[topology as keyof typeof topologies])) {
        expect(service.security_opt, name).toEqual(['no-new-privileges:true']);
        expect(service.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
        expect(service.cap_drop, name).toEqual(['ALL']);
        expect(units(service.mem_limit), `${name} mem_limit`).toBeGreaterThanOrEqual(64);
      }
    },
  );

  it.each(Object.keys(topologies))(
    '%s: services, Redis and Prometheus run read-only with a small /tmp; only 8080, 5000 (Prometheus) published',
    (topology) => {
      const services = topologies[topology as keyof typeof topologies];
      const readOnly = Object.keys(services).filter((name) => !/^kafka/.test(name));
      for (const name of readOnly) {
        expect(services[name]?.read_only, name).toBe(true);
        expect(services[name]?.tmpfs, name).toContain('/tmp:size=16m');
      }
      for (const name of Object.keys(SERVICES)) expect(services[name]?.cap_add, name).toBeUndefined();
      const published = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0);
      expect(published.map(([name]) => name).sort()).toEqual(['event-generator', 'event-viewer', 'prometheus']);
    },
  );

  it.each(Object.keys(topologies))(
    '%s: Redis and its Sentinels run as the image’s redis user with no capability; services are built, never pulled',
    (topology) => {
      const services = topologies[topology as keyof typeof topologies];
      const redisNodes = Object.keys(services).filter((name) => /^(redis|sentinel)/.test(name));
      expect(redisNodes.length).toBeGreaterThan(0);
      for (const name of redisNodes) expect(services[name]?.user, name).toBe('redis');
      for (const [name, service] of Object.entries(services)) expect(service.cap_add, name).toBeUndefined();
      for (const name of Object.keys(SERVICES)) expect(services[name]?.pull_policy, name).toBe('build');
    },
  );

  it('keeps each broker’s log directory on a named volume of its own, never shared between topologies', () => {
    const dataVolume = (service: ComposeService | undefined) =>
      service?.volumes?.find((v) => v.target === '/var/lib/kafka/data' && v.type === 'volume')?.source;
    expect(dataVolume(single.kafka)).toBe('kafka-data');
    for (const nodes of [replicated, cluster])
      expect(['kafka', 'kafka-2', 'kafka-3'].map((n) => dataVolume(nodes[n]))).toEqual([
        'kafka-1-data',
        'kafka-2-data',
        'kafka-3-data',
      ]);
  });

  it('keeps each Redis Cluster node’s data and nodes.conf on a volume of its own, at a fixed address', () => {
    const nodes = ['redis', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];
    const dataVolume = (name: string) => cluster[name]?.volumes?.find((v) => v.target === '/data')?.source;
    expect(nodes.map(dataVolume)).toEqual(nodes.map((_, i) => `redis-${i + 1}-data`));
    const addresses = nodes.map(
      (name) => (cluster[name]?.networks as Record<string, { ipv4_address?: string }>)?.default,
    );
    expect(addresses.map((a) => a?.ipv4_address)).toEqual(nodes.map((_, i) => `172.31.247.${11 + i}`));
    for (const name of nodes) expect((cluster[name]?.command ?? []).join(' '), name).toContain('--cluster-enabled yes');
  });

  it.each(Object.keys(topologies))('%s: bind-mounts only read-only, with the SELinux shared label', (topology) => {
    for (const [name, service] of Object.entries(topologies[topology as keyof typeof topologies]))
      for (const mount of service.volumes ?? [])
        if (mount.type === 'bind') {
          expect([mount.read_only, mount.bind?.selinux], `${name}: ${mount.source}`).toEqual([true, 'z']);
        }
  });

  it('with credentials, every Redis node logs in to its primary, whichever one a failover promotes', () => {
    // A primary that comes back after a failover is made a replica: without masterauth it never syncs again.
    const nodes = [
      ...['redis', 'redis-replica'].map((name) => [name, replicated[name]] as const),
      ...Object.entries(cluster).filter(([name]) => /^redis(-\d)?$/.test(name)),
    ];
    expect(nodes.length).toBe(8);
    for (const [name, node] of nodes) {
      const command = (node?.command ?? []).join(' ');
      expect(command, name).toContain('--requirepass ');
      expect(command, name).toContain('--masterauth ');
    }
  });

  it('gives each service a limit above the RSS the bench measured under load, Redis more than maxmemory', () => {
    // bench/README, steady: generator 129 MiB, consumer 239 MiB, viewer 147 MiB at most.
    const measured: Record<string, number> = { 'event-generator': 129, 'event-consumer': 239, 'event-viewer': 147 };
    for (const [name, rss] of Object.entries(measured))
      expect(units(single[name]?.mem_limit), name).toBeGreaterThan(1.5 * rss);
    expect(units(single.redis?.mem_limit)).toBeGreaterThan(1024);
  });
});

describe('the compose files, as Compose v2 reads them', () => {
  const TOPOLOGIES = Object.values(COMPOSE_FILES);

  it.each(TOPOLOGIES.flatMap((files) => ['', 'monitoring'].map((profile) => [files.join(' + '), profile] as const)))(
    '%s with profiles "%s" is valid for Compose v2',
    (files, profile) => {
      const services = composeConfig(files.split(' + '), profile);
      expect(Object.keys(services)).toContain('event-viewer');
      expect('prometheus' in services).toBe(profile === 'monitoring');
    },
  );

  it.each(Object.entries(COMPOSE_FILES))('make runs the %s topology on the files the tests use', (topology, files) => {
    const database = execFileSync('make', ['--no-print-directory', '-p', '-n', `TOPOLOGY=${topology}`, 'help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const set = /^COMPOSE_FILES := (.*)$/m.exec(database)?.[1];
    // Unset, scripts/compose.sh takes docker-compose.yml alone.
    expect((set ?? 'docker-compose.yml').split(' ')).toEqual(files);
    if (!set) expect(read('scripts/compose.sh')).toContain(`\${COMPOSE_FILES:-docker-compose.yml}`);
  });

  it('Compose v2 refuses what the Compose Specification does not know (a misspelt key)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      const document = parse(read('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
      document.services.redis!.restart_policy = 'always';
      writeFileSync(join(dir, 'docker-compose.yml'), stringify(document));
      expect(() => composeConfig([join(dir, 'docker-compose.yml')])).toThrow(/restart_policy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
