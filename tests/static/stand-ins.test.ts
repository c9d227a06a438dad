import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ComposeService, composeConfig } from '../support/compose-config.js';
import { COMPOSE_FILES } from '../support/compose-files.js';
import { REPO_ROOT } from '../support/paths.js';

// The stand-ins are only worth what they copy of the official images (docker/offline/README.md): a
// stand-in that runs as another user, or declares other volumes, would let the suite pass where a user
// of the original fails — as the Redis crash loop and Kafka's anonymous volumes once did.

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const README = read('docker/offline/README.md');

/** The "official" cell of one row of an image's table in docker/offline/README.md. */
function official(image: string, row: string): string {
  const section = README.split(/^### /m).find((s) => s.startsWith(`${image} `));
  if (!section) throw new Error(`docker/offline/README.md has no section for ${image}`);
  const line = section.split('\n').find((l) => l.startsWith(`| ${row} |`));
  if (!line) throw new Error(`docker/offline/README.md, ${image}: no row '${row}'`);
  return line.split(' | ')[1]!;
}

interface Declared {
  user: string | undefined;
  volumes: string[];
  entrypoint: string | undefined;
  cmd: string | undefined;
  /** `--uid N` and `--gid N` given to each user and group the Dockerfile creates. */
  ids: Map<string, number>;
}

/** What a Dockerfile's last stage declares, as Docker reads it. */
function declared(dockerfile: string): Declared {
  const text = read(dockerfile).replace(/\\\n/g, ' ');
  const last = (directive: string) => [...text.matchAll(new RegExp(`^${directive} (.+)$`, 'gm'))].at(-1)?.[1]?.trim();
  const volumes = [...text.matchAll(/^VOLUME (.+)$/gm)].flatMap(([, v]) =>
    v!.trim().startsWith('[') ? (JSON.parse(v!) as string[]) : v!.trim().split(/\s+/),
  );
  const ids = new Map<string, number>();
  for (const [, kind, id, name] of text.matchAll(/(useradd|groupadd) [^&]*?--[ug]id (\d+)[^&]*? (\w+)(?=\s|$)/g))
    ids.set(`${kind === 'useradd' ? 'user' : 'group'} ${name}`, Number(id));
  return { user: last('USER'), volumes, entrypoint: last('ENTRYPOINT'), cmd: last('CMD'), ids };
}

const IMAGES = {
  'apache/kafka': 'docker/offline/kafka.Dockerfile',
  'redis:7.4-alpine': 'docker/offline/redis.Dockerfile',
  'node:24-bookworm-slim': 'docker/offline/node.Dockerfile',
  'prom/prometheus:v2.53.0': 'docker/offline/prometheus.Dockerfile',
} as const;

/** The paths an official image declares as VOLUMEs, from its "volumes" row. */
function officialVolumes(image: keyof typeof IMAGES): string[] {
  const cell = official(image, 'volumes');
  if (cell.startsWith('none')) return [];
  const [, list] = /`VOLUME (\[[^\]]*\]|\S+?)`/.exec(cell) ?? [];
  if (!list) throw new Error(`${image}: no VOLUME in '${cell}'`);
  return list.startsWith('[') ? (JSON.parse(list) as string[]) : [list];
}

describe('the stand-ins declare what the official images declare (docker/offline/README.md)', () => {
  it.each(Object.entries(IMAGES))('%s: the same user, uid and gid', (image, dockerfile) => {
    const cell = official(image, 'user');
    const standIn = declared(dockerfile);
    const userDirective = /`USER (\w+)`/.exec(cell)?.[1];
    if (cell.startsWith('none: starts as root') || cell.includes('no `USER`'))
      expect(standIn.user, `${dockerfile} must start as root`).toBeUndefined();
    else expect(standIn.user, `${dockerfile} USER`).toBe(userDirective);
    const [, name] = /`(\w+)`/.exec(cell.replace(/`USER \w+`/, '')) ?? /`USER (\w+)`/.exec(cell) ?? [];
    const uid = /uid (\d+)/.exec(cell)?.[1];
    const gid = /gid (\d+)/.exec(cell)?.[1];
    if (uid) expect(standIn.ids.get(`user ${name}`), `${dockerfile}: ${name}'s uid`).toBe(Number(uid));
    if (gid) expect(standIn.ids.get(`group ${name}`), `${dockerfile}: ${name}'s gid`).toBe(Number(gid));
  });

  it.each(Object.entries(IMAGES))('%s: the same VOLUMEs', (image, dockerfile) => {
    expect(declared(dockerfile).volumes.sort()).toEqual(officialVolumes(image as keyof typeof IMAGES).sort());
  });

  it.each(Object.entries(IMAGES))('%s: the same ENTRYPOINT and CMD', (image, dockerfile) => {
    const cell = official(image, 'start');
    const standIn = declared(dockerfile);
    const entrypoint = /`ENTRYPOINT (\[[^\]]*\])`/.exec(cell)?.[1];
    if (cell.includes('no `ENTRYPOINT`')) expect(standIn.entrypoint).toBeUndefined();
    else expect(JSON.parse(standIn.entrypoint ?? 'null')).toEqual(JSON.parse(entrypoint ?? 'undefined'));
    const cmd = /`CMD (\[[^\]]*\])`/.exec(cell)?.[1];
    if (cmd) expect(JSON.parse(standIn.cmd ?? 'null')).toEqual(JSON.parse(cmd));
  });

  it('each source read names its commit or tag', () => {
    for (const image of Object.keys(IMAGES)) {
      const row = README.split('\n').find((l) => l.startsWith(`| \`${image}`));
      expect(row, image).toMatch(/commit [0-9a-f]{7}|v\d+\.\d+\.\d+ \|$/);
    }
  });
});

describe('no container leaves an anonymous volume: every VOLUME of its image is mounted', () => {
  const merged = (...files: string[]) => composeConfig(files, 'monitoring');
  const imageOf = (service: ComposeService): keyof typeof IMAGES | undefined => {
    const image = service.image ?? '';
    if (image.includes('apache/kafka')) return 'apache/kafka';
    if (image.includes('redis:7.4-alpine')) return 'redis:7.4-alpine';
    if (image.includes('prom/prometheus')) return 'prom/prometheus:v2.53.0';
    return undefined;
  };

  it.each(Object.entries(COMPOSE_FILES))('%s topology', (_, files) => {
    const services = merged(...(files as string[]));
    const checked: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      const image = imageOf(service);
      if (!image) continue;
      checked.push(name);
      const targets = (service.volumes ?? []).map((v) => v.target);
      const mounted = new Set([...targets, ...(service.tmpfs ?? []).map((t) => t.split(':')[0])]);
      for (const path of officialVolumes(image))
        expect(mounted.has(path), `${name}: ${path} (a VOLUME of ${image})`).toBe(true);
    }
    expect(checked).toContain('kafka');
    expect(checked).toContain('redis');
  });
});
