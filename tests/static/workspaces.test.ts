import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const WORKSPACES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The packages a workspace's shipped code imports: `@scope/name` or `name`, without subpaths or `node:`. */
function importedPackages(workspace: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(REPO_ROOT, workspace, 'src'))) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g,
    )) {
      if (specifier!.startsWith('.') || specifier!.startsWith('node:')) continue;
      const parts = specifier!.split('/');
      found.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return found;
}

// npm workspaces hoist every dependency to the root, so an undeclared import works here and breaks in
// a service's production image (`npm ci --omit=dev --workspace …`).
describe('each workspace', () => {
  it.each(WORKSPACES)('%s declares exactly the packages its code imports', (workspace) => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, workspace, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const declared = Object.keys(manifest.dependencies ?? {}).sort();
    expect(declared).toEqual([...importedPackages(workspace)].sort());
  });
});
