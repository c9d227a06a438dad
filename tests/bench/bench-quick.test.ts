import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const exec = promisify(execFile);

// Proves the harness works end to end on the real stack; never asserts a speed.
describe('make bench --quick', () => {
  it('runs every scenario against the real stack with no errors and writes its results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const out = join(dir, 'results.json');
    try {
      // A failed run (exit 1: errors in some scenario) is shown with its table, so the failure says which.
      const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
        cwd: REPO_ROOT,
        env: { ...process.env, KAFKA_BROKERS: inject('kafkaBrokers'), REDIS_URL: inject('redisUrl') },
        timeout: 240_000,
      }).catch((err: Error & { stdout?: string; stderr?: string }) => {
        // The rows that counted errors, wherever they are in the table, then its end.
        const errorRows = (err.stdout ?? '')
          .split('\n')
          .filter((line) => /errors|never|missing/.test(line) && !/\s0\.00\s/.test(line));
        throw new Error(
          `${err.message}\n${errorRows.join('\n')}\n` +
            `${err.stdout?.slice(-3_000) ?? ''}\n${err.stderr?.slice(-3_000) ?? ''}`,
        );
      });
      expect(stdout).toMatch(/machine: \d+ cores/);
      expect(stdout).toMatch(/versions: Node v\d+/);
      const results = JSON.parse(readFileSync(out, 'utf8')) as {
        results: { scenario: string; errors: number; rows: { value: number }[] }[];
      };
      const all = ['publish', 'cost', 'ingest', 'e2e', 'view', 'screen', 'steady', 'retention'];
      expect(results.results.map((r) => r.scenario)).toEqual(all);
      for (const scenario of results.results) {
        expect(scenario.errors, scenario.scenario).toBe(0);
        expect(scenario.rows.length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
