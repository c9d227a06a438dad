import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DLQ_TOPIC, EVENTS_TOPIC, EVENTS_TOPIC_PARTITIONS } from '@eventstreamapp/event-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig as consumerConfig } from '../../event-consumer/src/config.js';
import { loadConfig as viewerConfig } from '../../event-viewer/src/config.js';
import { CONFIG_ERROR_EXIT } from '../../packages/service-kit/src/process/exit-codes.ts';
import { DEFAULT_PORTS, SERVICES } from '../../scripts/launcher/services.ts';
import { REPO_ROOT } from '../support/paths.js';
import { CONFIG_PORTS } from '../support/service-ports.js';

// Names and numbers that TypeScript, the compose files and the bash scripts each spell out: the
// TypeScript constants are the source, and this test fails the moment another copy drifts.

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
type Compose = {
  services: Record<string, { command?: unknown; ports?: string[]; environment?: Record<string, string> }>;
};
const compose = parse(read('docker-compose.yml')) as Compose;
const replicated = parse(read('docker-compose.replicated.yml')) as Compose;
const kafkaNodes = parse(read('docker-compose.kafka-nodes.yml')) as Compose;

describe('one source for every name and number', () => {
  it('topics: the same names and partition count in kafka.sh and both compose files that create them', () => {
    const topicLoop = `for topic in ${EVENTS_TOPIC} ${DLQ_TOPIC}; do`;
    expect(read('infra/kafka/kafka.sh')).toContain(`TOPICS=(${EVENTS_TOPIC} ${DLQ_TOPIC})`);
    expect(read('infra/kafka/kafka.sh')).toContain(`PARTITIONS=\${KAFKA_TOPIC_PARTITIONS:-${EVENTS_TOPIC_PARTITIONS}}`);
    for (const file of [compose, kafkaNodes]) {
      const init = JSON.stringify(file.services['kafka-init']?.command ?? '');
      expect(init).toContain(topicLoop);
      expect(init).toContain(`--partitions ${EVENTS_TOPIC_PARTITIONS}`);
    }
    expect(read('bench/lib/stack.ts')).toContain('partitions = EVENTS_TOPIC_PARTITIONS');
  });

  it('ports: each service listens where the launcher, the Dockerfiles and compose expect it', () => {
    expect(Object.keys(DEFAULT_PORTS).sort()).toEqual([...SERVICES].sort());
    expect(DEFAULT_PORTS).toEqual(CONFIG_PORTS);
    const render = read('scripts/render-dockerfiles.sh');
    for (const [service, port] of Object.entries(CONFIG_PORTS)) {
      expect(render).toContain(`render ${service} ${port} >`);
      expect(read(`${service}/Dockerfile`)).toContain(`(process.env.PORT || ${port})`);
    }
    expect(compose.services['event-generator']?.ports).toEqual([
      `\${GENERATOR_PORT:-${CONFIG_PORTS['event-generator']}}:${CONFIG_PORTS['event-generator']}`,
    ]);
    expect(compose.services['event-viewer']?.ports).toEqual([
      `\${VIEWER_PORT:-${CONFIG_PORTS['event-viewer']}}:${CONFIG_PORTS['event-viewer']}`,
    ]);
    expect(read('scripts/compose.sh')).toContain(`\${GENERATOR_PORT:-${CONFIG_PORTS['event-generator']}}/publish`);
    expect(read('scripts/compose.sh')).toContain(`\${VIEWER_PORT:-${CONFIG_PORTS['event-viewer']}}/events`);
  });

  it('the Sentinel name: the services’ default, the local Sentinels and the compose ones', () => {
    const name = consumerConfig({}).REDIS_SENTINEL_NAME;
    expect(viewerConfig({}).REDIS_SENTINEL_NAME).toBe(name);
    expect(read('infra/redis/replicated.sh')).toContain(`NAME=\${REDIS_SENTINEL_NAME:-${name}}`);
    expect(JSON.stringify(replicated)).toContain(`sentinel monitor ${name} redis 6379 2`);
    const named = [...JSON.stringify(replicated).matchAll(/REDIS_SENTINEL_NAME":"([^"]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([name]));
  });

  it('the configuration exit code: what a service exits with is what its supervisor stops on', () => {
    expect(CONFIG_ERROR_EXIT).toBe(78);
    expect(read('packages/service-kit/src/process/run.ts')).toContain('process.exit(CONFIG_ERROR_EXIT)');
    expect(read('scripts/launcher/supervisor.ts')).toContain('code === CONFIG_ERROR_EXIT');
  });
});
