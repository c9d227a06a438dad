import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpuMillis } from '../../scripts/launcher/process-state.ts';
import type { Row } from './report.js';

/**
 * The process listening on a TCP port of this machine (the broker, Redis), found through /proc:
 * the socket's inode in /proc/net/tcp{,6}, then the process holding it. Undefined when none is
 * visible (another user's process, or a port forwarded from a container).
 */
export function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.add(fields[9]!);
      }
    } catch {}
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(entry);
      }
    } catch {}
  }
  return undefined;
}

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
    ...pipeline.map(([name, ms]) => ({ scenario, measure: `CPU ${label}: ${name}`, value: per1000(ms), unit: 'ms/1k ev' })),
    {
      scenario,
      measure: `CPU ${label}: total`,
      value: per1000(total),
      unit: 'ms/1k ev',
      note: `harness ${per1000(usage.harness ?? 0).toFixed(1)} ms/1k`,
    },
  ];
}
