import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig as automaticGeneratorConfig } from '../../automatic-generator/src/config.js';
import { loadConfig as consumerConfig } from '../../event-consumer/src/config.js';
import { loadConfig as generatorConfig } from '../../event-generator/src/config.js';
import { ERROR_CODES as GENERATOR_CODES } from '../../event-generator/src/errors.js';
import { loadConfig as viewerConfig } from '../../event-viewer/src/config.js';
import { ERROR_CODES as VIEWER_CODES } from '../../event-viewer/src/http/errors.js';
import { REPO_ROOT } from '../support/paths.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The `status | code` pairs of the first Markdown table after `heading` (a row may pair "404 / 405", "`a` / `b`"). */
function documentedCodes(heading: string): Record<string, number> {
  const after = README.slice(README.indexOf(heading));
  const table = after.slice(after.indexOf('\n|')).split('\n\n')[0]!;
  const codes: Record<string, number> = {};
  for (const row of table.split('\n').slice(3)) {
    const [statuses, names] = row
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim()) as [string, string];
    const s = statuses.split('/').map((x) => Number(x.trim()));
    const n = [...names.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    n.forEach((name, i) => {
      codes[name] = s[Math.min(i, s.length - 1)]!;
    });
  }
  return codes;
}

// A code the service sends that the README does not list (or lists with another status) is a broken promise to clients.
describe('the README', () => {
  it('names only test files that exist (a test moved is a promise whose proof the reader cannot find)', () => {
    const named = [...new Set([...README.matchAll(/`([\w./-]+\.test\.ts)`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((path) => !existsSync(join(REPO_ROOT, path)))).toEqual([]);
  });

  it('lists every error code of POST /publish, with its status, and no other', () => {
    expect(documentedCodes('`POST /publish`:\n\n| status')).toEqual({ ...GENERATOR_CODES });
  });

  it('lists every error code of the viewer, with its status, and no other', () => {
    expect(documentedCodes('The viewer:\n\n| status')).toEqual({ ...VIEWER_CODES });
  });

  it('documents every variable each service reads', () => {
    const configuration = README.slice(README.indexOf('## Configuration'), README.indexOf('## Tests'));
    for (const config of [generatorConfig({}), automaticGeneratorConfig({}), consumerConfig({}), viewerConfig({})]) {
      for (const name of Object.keys(config)) expect(configuration, name).toContain(`\`${name}\``);
    }
  });
});
