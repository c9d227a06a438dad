import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../scripts/chaos/checker.ts';
import { runChaos } from '../../scripts/chaos/run.ts';
import { FAULT_KINDS, type Topology } from '../../scripts/chaos/schedule.ts';

/**
 * One short seeded chaos run per topology (make chaos runs longer ones with other seeds): whatever the
 * seed's faults — kills, freezes, dropped packets, a failover — every 202 is stored exactly once, nothing
 * refused is, and the pipeline settles. The seeds are fixed, so a failure here reproduces with
 * `make chaos SEED=… DURATION=… TOPOLOGY=…`.
 */
// Seeds whose 35 s schedules hit the engines and the services, with faults overlapping: single 35 freezes
// Redis, kills the broker, kills Redis and a consumer; replicated 7 kills a broker, freezes a consumer,
// drops Redis' answers to the generator, freezes the viewer and fails Redis over.
describe.each([
  ['single', 35, 35_000],
  ['replicated', 7, 35_000],
] as [Topology, number, number][])('a seeded chaos run, %s topology', (topology, seed, durationMs) => {
  it(`seed ${seed}: every acknowledged event stored once, nothing refused stored, settled`, { timeout: 420_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), `chaos-${topology}-`));
    const report = await runChaos({ seed, durationMs, rate: 60, topology, kinds: FAULT_KINDS, dir, log: () => {} });
    const summary = `${formatReport(report)}\n(run kept in ${dir})`;
    console.log(summary);
    expect(report.valid, summary).toBe(true);
    // The run did what it says: load acknowledged, faults of several kinds applied and healed.
    expect(report.publishes.ok, summary).toBeGreaterThan(300);
    expect(
      Object.values(report.faults).reduce((a, b) => a + b, 0),
      summary,
    ).toBeGreaterThanOrEqual(4);
    const history = readFileSync(join(dir, 'history.jsonl'), 'utf8');
    expect(history.split('\n').filter((l) => l.includes('"type":"fault-end"') && l.includes('"error"'))).toEqual([]);
  });
});
