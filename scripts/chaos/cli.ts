import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../packages/service-kit/src/config/config.ts';
import { REPO_ROOT } from '../../tests/support/paths.js';
import { formatReport } from './checker.ts';
import { judge, runChaos } from './run.ts';
import { DEFAULT_FAULT_KINDS, FAULT_KINDS, type FaultKind, seedOf, type Topology } from './schedule.ts';

/**
 * make chaos / make chaos-check:
 *
 * cli.ts run [--seed S] [--duration 2m] [--rate 100] [--topology single|replicated|cluster]
 *            [--faults kill,pause,…] [--dir DIR]
 *              [--sabotage dedup]   (the checker's own test: the run must then be judged invalid, with duplicates)
 *   cli.ts check DIR
 *
 * Exits 1 when the run shows an anomaly (the report says which), 2 on a usage error.
 */
const [command, ...rest] = process.argv.slice(2);
const usage = (why: string): never => {
  process.stderr.write(
    `chaos: ${why}\nusage: cli.ts run [--seed S] [--duration 2m] [--rate N] \
[--topology single|replicated|cluster] [--faults ${FAULT_KINDS.join(',')}] [--dir DIR] | cli.ts check DIR\n`,
  );
  process.exit(2);
};

if (command === 'check') {
  const dir = rest[0] ?? usage('check needs the run directory');
  const report = judge(dir);
  process.stdout.write(`${formatReport(report)}\n`);
  process.exit(report.valid ? 0 : 1);
} else if (command === 'run') {
  const { values } = parseArgs({
    args: rest,
    options: {
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      duration: { type: 'string', default: '2m' },
      rate: { type: 'string', default: '100' },
      topology: { type: 'string', default: 'single' },
      faults: { type: 'string', default: DEFAULT_FAULT_KINDS.join(',') },
      dir: { type: 'string' },
      sabotage: { type: 'string' },
    },
  });
  const durationMs =
    parseDuration(values.duration) ?? usage(`--duration ${values.duration}: a duration such as 90s or 2m`);
  const rate = Number(values.rate);
  if (!(rate > 0 && rate <= 5_000)) usage(`--rate ${values.rate}: events a second, 1 to 5000`);
  if (!['single', 'replicated', 'cluster'].includes(values.topology))
    usage(`--topology ${values.topology}: single, replicated or cluster`);
  const kinds = values.faults.split(',').filter(Boolean) as FaultKind[];
  for (const kind of kinds)
    if (!FAULT_KINDS.includes(kind)) usage(`--faults: ${kind} is not one of ${FAULT_KINDS.join(', ')}`);
  if (values.sabotage !== undefined && values.sabotage !== 'dedup') usage(`--sabotage ${values.sabotage}: only dedup`);
  const seed = seedOf(values.seed);
  const dir =
    values.dir ??
    join(REPO_ROOT, '.local', 'chaos', `${new Date().toISOString().replace(/[:.]/g, '-')}-${values.topology}-${seed}`);
  mkdirSync(dir, { recursive: true });
  const sabotage = values.sabotage === 'dedup' ? { sabotage: 'dedup' as const } : {};
  const report = await runChaos({
    seed,
    durationMs,
    rate,
    topology: values.topology as Topology,
    kinds,
    dir,
    ...sabotage,
  });
  process.stdout.write(`${formatReport(report)}\nrun kept in ${dir} (make chaos-check RUN=${dir} judges it again)\n`);
  process.exit(report.valid ? 0 : 1);
} else {
  usage(command ? `unknown command ${command}` : 'a command is needed');
}
