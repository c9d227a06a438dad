import { execFileSync } from 'node:child_process';
import type { PartitionMode } from './schedule.ts';

/**
 * Network partitions that drop packets (not polite closes) between one service process and Kafka or
 * Redis, on loopback: each service runs under a uid of its own, iptables' owner match picks the packets
 * it sends, and a connection mark set on them picks the engine's replies on the same connections.
 * 'out' drops what the process sends, 'in' what the engine answers, 'both' both. Rules live in a chain
 * of the run's own, removed whole at the end (and by `cleanup` of a run that died).
 */
export class Partitions {
  private readonly chain: string;
  private readonly active = new Map<number, string[][]>();

  constructor(runId: string) {
    this.chain = `CHAOS-${runId}`.slice(0, 28);
  }

  private iptables(args: string[]): void {
    execFileSync('iptables', ['-w', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  setup(): void {
    this.iptables(['-N', this.chain]);
    this.iptables(['-I', 'OUTPUT', '1', '-o', 'lo', '-j', this.chain]);
  }

  /** Cuts the process running as `uid` from the engine's ports; returns the heal. */
  cut(id: number, uid: number, ports: number[], mode: PartitionMode): () => void {
    const mark = String(uid);
    const rules: string[][] = [];
    for (const port of ports.map(String)) {
      const fromProcess = ['-o', 'lo', '-p', 'tcp', '-m', 'owner', '--uid-owner', String(uid), '--dport', port];
      rules.push([...fromProcess, '-j', 'CONNMARK', '--set-mark', mark]);
      if (mode !== 'in') rules.push([...fromProcess, '-j', 'DROP']);
      if (mode !== 'out')
        rules.push(['-o', 'lo', '-p', 'tcp', '--sport', port, '-m', 'connmark', '--mark', mark, '-j', 'DROP']);
    }
    for (const rule of rules) this.iptables(['-A', this.chain, ...rule]);
    this.active.set(id, rules);
    return () => {
      for (const rule of this.active.get(id) ?? []) this.iptables(['-D', this.chain, ...rule]);
      this.active.delete(id);
    };
  }

  teardown(): void {
    Partitions.remove(this.chain);
  }

  /** Removes a run's chain, whatever state it was left in. */
  static remove(chain: string): void {
    const quiet = (args: string[]) => {
      try {
        execFileSync('iptables', ['-w', ...args], { stdio: 'ignore' });
      } catch {
        // Not there: nothing to remove.
      }
    };
    quiet(['-D', 'OUTPUT', '-o', 'lo', '-j', chain]);
    quiet(['-F', chain]);
    quiet(['-X', chain]);
  }
}
