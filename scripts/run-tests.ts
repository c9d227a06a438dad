// `npm test`: the whole suite in two lanes at once, then one summary line `N passed, N failed`.
//   lane 1: vitest's `unit` and `integration` projects (integration files one at a time: they share one
//           broker and one Redis on two cores, and several measure time);
//   lane 2: the `docker` project (tests/docker), which mostly waits on image builds and container health.
// Vitest cannot run one project's files alongside another's while keeping each one at a time (it groups
// every single-worker project into one sequential group), hence two processes. Lane 2's output is printed
// when it ends; each lane's own summary is labelled, so the last plain summary line is the sum of both.
import { spawn } from 'node:child_process';

interface Lane {
  name: string;
  args: string[];
  /** Print as it comes (one lane), or keep and print whole when it ends (the other). */
  live: boolean;
}

const LANES: Lane[] = [
  { name: 'unit+integration', args: ['run', '--project', 'unit', '--project', 'integration'], live: true },
  { name: 'docker', args: ['run', '--project', 'docker'], live: false },
];

const SUMMARY = /^(\S+): (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m;

function runLane(lane: Lane): Promise<{ passed: number; failed: number; skipped: number; output: string }> {
  return new Promise((resolve) => {
    // With a filter (`npm test -- some/file`), a lane may hold none of the files it names.
    const filter = process.argv.slice(2);
    const child = spawn('npx', ['vitest', ...lane.args, ...(filter.length > 0 ? ['--passWithNoTests', ...filter] : [])], {
      env: { ...process.env, SUMMARY_LABEL: lane.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (lane.live) stream.write(chunk);
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (code) => {
      const match = SUMMARY.exec(output);
      if (!match) {
        // A lane that died before its summary counts as one failure: never silent.
        output += `\n${lane.name}: vitest exited ${code} without a summary\n`;
        resolve({ passed: 0, failed: 1, skipped: 0, output });
        return;
      }
      const failed = Number(match[3]) + (code !== 0 && Number(match[3]) === 0 ? 1 : 0);
      resolve({ passed: Number(match[2]), failed, skipped: Number(match[4] ?? 0), output });
    });
  });
}

const results = await Promise.all(LANES.map(runLane));
for (const [i, lane] of LANES.entries()) {
  if (lane.live) continue;
  process.stdout.write(`\n──── lane ${lane.name} ────\n${results[i]!.output}\n`);
}
const total = results.reduce(
  (sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }),
  {
    passed: 0,
    failed: 0,
    skipped: 0,
  },
);
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}\n`);
process.exitCode = total.failed > 0 ? 1 : 0;
