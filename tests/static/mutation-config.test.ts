import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODULES } from '../../stryker.config.mjs';
import { REPO_ROOT } from '../support/paths.js';

/** `dir/{a,b}.ts` → `dir/a.ts`, `dir/b.ts` (the only glob the list uses). */
function expand(glob: string): string[] {
  const match = /^(.*)\{([^}]+)\}(.*)$/.exec(glob);
  return match ? match[2]!.split(',').map((name) => `${match[1]}${name}${match[3]}`) : [glob];
}

describe('mutation testing', () => {
  it('names only modules that exist (a module moved would silently leave the run)', () => {
    const files = (MODULES as string[]).flatMap(expand);
    expect(files.length).toBeGreaterThan(25);
    expect(files.filter((file) => !existsSync(join(REPO_ROOT, file)))).toEqual([]);
  });
});
