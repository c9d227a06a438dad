/**
 * A partition's consumer judged over a window of samples, after LinkedIn Burrow's evaluation rules,
 * adapted to what an outside sampler sees: Kafka gives the group's committed offset but not when it was
 * committed, so "no commit" is told from "a commit that does not move" by whether a member holds the
 * partition.
 */
export type LagState = 'ok' | 'warning' | 'stall' | 'stop' | 'rewind';

export const LAG_STATES: readonly LagState[] = ['ok', 'warning', 'stall', 'stop', 'rewind'];

export interface PartitionSample {
  t: number;
  /** Where the group resumes (committed offset, or the earliest kept record before any commit). */
  committed: number;
  /** Records behind: the high watermark minus `committed`. */
  lag: number;
  /** A member of the group holds the partition. */
  held: boolean;
}

export interface Judgement {
  state: LagState;
  reason: string;
}

/** Fewer samples than this judge nothing: a trend needs a few points. */
const MIN_SAMPLES = 3;

/**
 * The state of one partition from its samples over the window, oldest first, in Burrow's order of
 * severity: lag zero at any point is OK (a slow topic with nothing new is never judged); then a committed
 * offset that went back (REWIND); one that never moved, with no member holding the partition (STOP) or
 * with one (STALL); one that moves while the lag never falls (WARNING: the consumer is slower than the
 * producers); else OK.
 */
export function judgePartition(window: readonly PartitionSample[]): Judgement {
  if (window.length < MIN_SAMPLES) return { state: 'ok', reason: 'not enough samples yet' };
  if (window.some((s) => s.lag === 0)) return { state: 'ok', reason: 'caught up within the window' };
  const pairs = window.slice(1).map((s, i) => [window[i]!, s] as const);
  if (pairs.some(([a, b]) => b.committed < a.committed))
    return { state: 'rewind', reason: 'the committed offset went back' };
  if (pairs.every(([a, b]) => b.committed === a.committed)) {
    const seconds = Math.round((window.at(-1)!.t - window[0]!.t) / 1000);
    return window.at(-1)!.held
      ? { state: 'stall', reason: `a member holds it but its offset has not moved for ${seconds} s while records wait` }
      : {
          state: 'stop',
          reason: `no member holds it and its offset has not moved for ${seconds} s while records wait`,
        };
  }
  if (pairs.every(([a, b]) => b.lag >= a.lag))
    return { state: 'warning', reason: 'committing, but the lag has not fallen in the window' };
  return { state: 'ok', reason: 'committing, and the lag falls' };
}
