import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/paths.js';

// The alert rules (README "Operating it") checked by Prometheus' own tool: they parse, each fires on the
// series that should raise it and stays quiet otherwise (rules.test.yml), and they name only metrics
// the services export.

const DIR = join(REPO_ROOT, 'infra/prometheus');

function promtool(...args: string[]): string {
  const result = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool is missing (Debian: apt-get install -y prometheus; make prerequisites): ${result.error.message}`,
    );
  expect(result.status, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

const rules = parse(readFileSync(join(DIR, 'rules.yml'), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const alerts = rules.groups.flatMap((g) => g.rules);

/** Metric names a TypeScript file registers (`name: 'x'`, or the viewer's `gauge('x'`), in services and service-kit. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>(['up']);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/(?:name:\s*|gauge\(\s*)'([a-z_]+)'/g)) names.add(m[1]!);
    }
  };
  for (const dir of ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'])
    walk(join(REPO_ROOT, dir, 'src'));
  for (const dir of readdirSync(join(REPO_ROOT, 'packages'))) walk(join(REPO_ROOT, 'packages', dir, 'src'));
  return names;
}

const PROMQL = new Set(['max', 'sum', 'by', 'rate', 'increase', 'and', 'on']);

describe('the Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'rules.yml')).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('fire when they should and not before, by promtool test rules', () => {
    promtool('test', 'rules', 'rules.test.yml');
  });

  it('each have test cases that expect them to fire', () => {
    const cases = readFileSync(join(DIR, 'rules.test.yml'), 'utf8');
    for (const { alert } of alerts)
      expect(cases, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });

  it('name only metrics the services export', () => {
    const metrics = registeredMetrics();
    for (const { alert, expr } of alerts) {
      const names = expr
        .replace(/\{[^}]*\}/g, '')
        .replace(/by \([^)]*\)/g, '')
        .replace(/\[[^\]]*\]/g, '')
        .match(/[a-z_][a-z0-9_]*/g)!
        .filter((token) => !PROMQL.has(token));
      for (const name of names)
        expect(metrics.has(name), `${alert} reads ${name}, which no service exports`).toBe(true);
    }
  });
});

describe('the Prometheus configurations', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('local: what infra/prometheus/prometheus.sh writes passes promtool check config', () => {
    const config = execFileSync('bash', [join(DIR, 'prometheus.sh'), 'config'], {
      encoding: 'utf8',
      env: { ...process.env, PROMETHEUS_TARGETS: '127.0.0.1:5000,127.0.0.1:8083' },
    });
    expect(config).toContain('targets: ["127.0.0.1:5000", "127.0.0.1:8083"]');
    writeFileSync(join(scratch, 'local.yml'), config);
    promtool('check', 'config', join(scratch, 'local.yml'));
  });

  it('docker: prometheus.docker.yml passes it too, with the rules where compose mounts them', () => {
    const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[]; profiles?: string[] }>;
    };
    const prometheus = compose.services.prometheus!;
    expect(prometheus.profiles).toEqual(['monitoring']);
    expect(prometheus.volumes).toContain('./infra/prometheus/rules.yml:/etc/eventstreamapp/rules.yml:ro,z');
    const docker = readFileSync(join(DIR, 'prometheus.docker.yml'), 'utf8').replace(
      '/etc/eventstreamapp/rules.yml',
      join(DIR, 'rules.yml'),
    );
    writeFileSync(join(scratch, 'docker.yml'), docker);
    promtool('check', 'config', join(scratch, 'docker.yml'));
  });

  it.each(['local', 'docker'])(
    '%s: with VIEWER_TOKEN set, every scrape sends it as a bearer token, from a file only its owner reads',
    (runtime) => {
      const dir = mkdtempSync(join(scratch, `${runtime}-`));
      const env = { ...process.env, VIEWER_TOKEN: 'token-for-the-scrape-1234', PROMETHEUS_DIR: dir, TMP: dir };
      if (runtime === 'local')
        writeFileSync(
          join(dir, 'prometheus.yml'),
          execFileSync('bash', [join(DIR, 'prometheus.sh'), 'config'], { encoding: 'utf8', env }),
        );
      else {
        const source = join(dir, 'source.yml');
        writeFileSync(
          source,
          readFileSync(join(DIR, 'prometheus.docker.yml'), 'utf8').replace(
            '/etc/eventstreamapp/rules.yml',
            join(DIR, 'rules.yml'),
          ),
        );
        execFileSync('sh', [join(DIR, 'docker-entrypoint.sh')], { env: { ...env, CONFIG: source } });
      }
      const config = parse(readFileSync(join(dir, 'prometheus.yml'), 'utf8')) as {
        scrape_configs: { job_name: string; authorization?: { type: string; credentials_file: string } }[];
      };
      expect(config.scrape_configs).toHaveLength(1);
      expect(config.scrape_configs[0]!.authorization).toEqual({
        type: 'Bearer',
        credentials_file: join(dir, 'viewer-token'),
      });
      expect(readFileSync(join(dir, 'viewer-token'), 'utf8')).toBe('token-for-the-scrape-1234');
      expect(statSync(join(dir, 'viewer-token')).mode & 0o777).toBe(0o600);
      promtool('check', 'config', join(dir, 'prometheus.yml'));
    },
  );
});
