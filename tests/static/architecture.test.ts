import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const architecture = readFileSync(join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');
/** Every backticked token of ARCHITECTURE.md. */
const quoted = [...architecture.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

describe('ARCHITECTURE.md', () => {
  it('names only paths that exist: a folder or file from the root, or a file name some tracked file has', () => {
    // A path has a slash and no space (`POST /publish`, `/healthz` and key names are not paths).
    const paths = quoted.filter((q) => /^[\w.-]+(\/[\w.-]+)*\/?$/.test(q) && q.includes('/'));
    const names = quoted.filter((q) => /^[\w.-]+\.(ts|md|yml|sh|json|mjs)$/.test(q));
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !existsSync(join(REPO_ROOT, p)))).toEqual([]);
    const basenames = new Set(tracked.map((f) => basename(f)));
    expect(names.filter((n) => !basenames.has(n))).toEqual([]);
  });

  it('is what the code cites: no tracked code or script cites a document outside the repository', () => {
    // Every tracked file but prose and data: code, scripts, CI, Compose, Dockerfiles, configuration.
    const code = tracked.filter(
      (f) => !/\.(md|json|svg|png|patch|sum|tsv|csv|txt)$/.test(f) && existsSync(join(REPO_ROOT, f)),
    );
    const citing = code.filter((f) =>
      /DESIGN\.md|STYLE\.md|\.\.\/shared\//.test(readFileSync(join(REPO_ROOT, f), 'utf8')),
    );
    // This file names them to look for them.
    expect(citing.filter((f) => f !== 'tests/static/architecture.test.ts')).toEqual([]);
  });
});
