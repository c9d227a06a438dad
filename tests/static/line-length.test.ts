import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

/** The product's and the tools' code: every tracked TypeScript or JavaScript file but the tests. */
const code = execFileSync('git', ['ls-files', '*.ts', '*.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.endsWith('.test.ts') && !f.startsWith('tests/') && !f.includes('/test/'));

// Biome's formatter keeps code within 120 characters, but not strings, comments or HTML templates: this does.
describe('source lines', () => {
  it('are at most 120 characters in the product and the tools, templates and comments included', () => {
    expect(code.length).toBeGreaterThan(150);
    const long = code.flatMap((file) =>
      readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${file}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
