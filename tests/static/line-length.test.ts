import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

/** Prose and data, whose lines are paragraphs or records: every other tracked file is source. */
const NOT_SOURCE = /(\.(md|json|svg|png|patch|sum|tsv|csv|txt)|package-lock\.json)$/;

const sources = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !NOT_SOURCE.test(f));

// Biome's formatter keeps TypeScript within 120 characters, but not strings, comments or templates, and it
// reads no shell, YAML, Makefile or Dockerfile: this does, for all of them.
describe('source lines', () => {
  it('are at most 120 characters in every source file: code, tests, scripts, Compose, Dockerfiles, rules', () => {
    expect(sources.filter((f) => f.endsWith('.ts')).length).toBeGreaterThan(300);
    expect(sources.some((f) => f.endsWith('.sh'))).toBe(true);
    const long = sources.flatMap((file) =>
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${file}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
