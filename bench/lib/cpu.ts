import { cpuMillis } from '../../scripts/launcher/process-state.ts';
import type { Row } from './report.js';

export interface MeasuredProcess {
  name: string;
  pid: number | undefined;
}

/**
 * CPU time each process of a scenario spends (user + system, from /proc, so the broker and Redis are
 * measured like the services), plus this harness's own. CPU time per event is far steadier than
 * throughput on a shared machine.
 */
export function startCpuMeter(processes: MeasuredProcess[]) {
  const read = () => {
    const usage: Record<string, number> = {};
    for (const { name, pid } of processes) {
      try {
        if (pid !== undefined) usage[name] = cpuMillis(pid);
      } catch {}
    }
    const self = process.cpuUsage();
    usage.harness = (self.user + self.system) / 1000;
    return usage;
  };
  const before = read();
  return {
    /** Milliseconds of CPU per process since the meter started. */
    stop(): Record<string, number> {
      const after = read();
      return Object.fromEntries(
        Object.keys(after)
          .filter((name) => name in before)
          .map((name) => [name, after[name]! - before[name]!]),
      );
    },
  };
}

/** Rows of CPU milliseconds per 1,000 events, per process and in total (the harness shown apart). */
export function cpuRows(scenario: string, label: string, usage: Record<string, number>, events: number): Row[] {
  const per1000 = (ms: number) => (ms * 1000) / Math.max(events, 1);
  const pipeline = Object.entries(usage).filter(([name]) => name !== 'harness');
  const total = pipeline.reduce((sum, [, ms]) => sum + ms, 0);
  return [
    ...pipeline.map(([name, ms]) => ({
      scenario,
      measure: `CPU ${label}: ${name}`,
      value: per1000(ms),
      unit: 'ms/1k ev',
    })),
    {
      scenario,
      measure: `CPU ${label}: total`,
      value: per1000(total),
      unit: 'ms/1k ev',
      note: `harness ${per1000(usage.harness ?? 0).toFixed(1)} ms/1k`,
    },
  ];
}
