/**
 * The nemesis' plan: faults drawn from a seed, so that the same seed gives the same schedule (and a
 * finding can be run again). Pure: what a fault does is nemesis.ts'.
 */

export type Topology = 'single' | 'replicated' | 'cluster';
export type FaultKind = 'kill' | 'pause' | 'partition' | 'failover' | 'diskfull' | 'leader';
/** Every kind the nemesis knows. */
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'failover', 'diskfull', 'leader'];
/** The kinds of a run that names none (make chaos without FAULTS=), as before diskfull and leader existed. */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'failover'];

/** Packets dropped from the process to the engine ('out'), from the engine to it ('in'), or both. */
export type PartitionMode = 'out' | 'in' | 'both';

export interface Fault {
  id: number;
  kind: FaultKind;
  /**
   * A service process ('event-consumer-2'), an engine ('kafka', 'kafka-3', 'redis', 'redis-primary',
   * 'redis-master-2'), or for a partition the process.
   */
  target: string;
  /** A partition's other side and direction. */
  engine?: 'kafka' | 'redis';
  mode?: PartitionMode;
  /** Milliseconds after the load starts. */
  startMs: number;
  durationMs: number;
}

export const SERVICE_PROCESSES = [
  'event-generator',
  'event-consumer-1',
  'event-consumer-2',
  'event-consumer-3',
  'event-viewer',
] as const;
export type ServiceProcessName = (typeof SERVICE_PROCESSES)[number];

/** mulberry32: small, fast, and the same numbers for the same seed on every machine. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed given as text (SEED=…): a number as it is, anything else hashed. */
export function seedOf(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) >>> 0;
  let hash = 2_166_136_261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619);
  return hash >>> 0;
}

export interface ScheduleOptions {
  seed: number;
  durationMs: number;
  topology: Topology;
  kinds: readonly FaultKind[];
  /** Faults running at once, at most. */
  maxOverlap?: number;
}

/** Quiet time at the start (the pipeline warms up) and at the end (the last faults heal before the final heal). */
const LEAD_MS = 5_000;
const TAIL_MS = 5_000;
const MIN_FAULT_MS = 2_000;
const MAX_FAULT_MS = 12_000;
const MEAN_GAP_MS = 6_000;

const ENGINES: Record<Topology, string[]> = {
  single: ['kafka', 'redis'],
  replicated: ['kafka-1', 'kafka-2', 'kafka-3', 'redis-primary'],
  // The N-th master by port when the fault starts: the three masters of the moment, as the three brokers.
  cluster: ['kafka-1', 'kafka-2', 'kafka-3', 'redis-master-1', 'redis-master-2', 'redis-master-3'],
};

function targetsOf(kind: FaultKind, topology: Topology): string[] {
  const engines = ENGINES[topology];
  switch (kind) {
    case 'kill':
    case 'pause':
      return [...SERVICE_PROCESSES, ...engines];
    case 'partition':
      return SERVICE_PROCESSES.filter((s) => s !== 'event-viewer');
    case 'failover':
      return topology === 'replicated' ? ['redis'] : [];
    case 'diskfull':
      // Each engine of the single topology has a size-limited disk of its own (engines.ts).
      return topology === 'single' ? ['kafka', 'redis'] : [];
    case 'leader':
      // The leaders of `events` move: one broker's cannot.
      return topology === 'single' ? [] : ['events'];
  }
}

/** The faults of a run, by start time; the same options give the same list. */
export function drawSchedule({ seed, durationMs, topology, kinds, maxOverlap = 2 }: ScheduleOptions): Fault[] {
  const random = randomFrom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const usable = kinds.filter((k) => targetsOf(k, topology).length > 0);
  const faults: Fault[] = [];
  if (usable.length === 0) return faults;
  for (
    let at = LEAD_MS + random() * MEAN_GAP_MS;
    at < durationMs - TAIL_MS - MIN_FAULT_MS;
    at += MEAN_GAP_MS * (0.5 + random())
  ) {
    const kind = pick(usable);
    const length = Math.min(MIN_FAULT_MS + random() * (MAX_FAULT_MS - MIN_FAULT_MS), durationMs - TAIL_MS - at);
    const running = faults.filter((f) => f.startMs + f.durationMs > at);
    const target = pick(targetsOf(kind, topology));
    // Never two faults on one target at once, and never more than maxOverlap at once.
    if (running.length >= maxOverlap || running.some((f) => f.target === target)) continue;
    const fault: Fault = {
      id: faults.length + 1,
      kind,
      target,
      startMs: Math.round(at),
      durationMs: Math.round(length),
    };
    if (kind === 'partition') {
      fault.engine = pick(['kafka', 'redis'] as const);
      fault.mode = pick(['out', 'in', 'both'] as const);
    }
    faults.push(fault);
  }
  return faults;
}

/** Faults by kind, for the report: "kill 4, pause 3, partition 5". */
export function countByKind(faults: Fault[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of faults) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}
