import { describe, expect, it } from 'vitest';
import { judgePartition, LAG_STATES, type PartitionSample } from './lag-states.js';

/** Samples 5 s apart (from an arbitrary clock) from committed offsets and lags; held unless said. */
const samples = (committed: number[], lag: number[], held = true): PartitionSample[] =>
  committed.map((c, i) => ({ t: 1_000_000 + i * 5_000, committed: c, lag: lag[i]!, held }));

describe('judgePartition (Burrow’s rules)', () => {
  it('judges nothing on fewer than three samples', () => {
    expect(judgePartition(samples([0, 0], [9, 9], false))).toEqual({ state: 'ok', reason: 'not enough samples yet' });
  });

  it('is ok when the lag was zero at any point, whatever else: a slow topic is never stopped', () => {
    expect(judgePartition(samples([5, 5, 5, 5], [0, 0, 0, 0], false))).toEqual({
      state: 'ok',
      reason: 'caught up within the window',
    });
    expect(judgePartition(samples([5, 5, 5, 5], [3, 0, 2, 2], false)).state).toBe('ok');
    expect(judgePartition(samples([9, 5, 5, 5], [1, 5, 0, 5])).state).toBe('ok');
  });

  it('is rewind when the committed offset went back, before anything else', () => {
    expect(judgePartition(samples([10, 20, 15, 30], [5, 5, 10, 1]))).toEqual({
      state: 'rewind',
      reason: 'the committed offset went back',
    });
    expect(judgePartition(samples([10, 10, 9, 9], [5, 5, 6, 6], false)).state).toBe('rewind');
  });

  it('is stop when the offset never moved and no member holds the partition, stall when one does', () => {
    expect(judgePartition(samples([7, 7, 7, 7], [1, 4, 8, 9], false))).toEqual({
      state: 'stop',
      reason: 'no member holds it and its offset has not moved for 15 s while records wait',
    });
    expect(judgePartition(samples([7, 7, 7], [2, 2, 2], true))).toEqual({
      state: 'stall',
      reason: 'a member holds it but its offset has not moved for 10 s while records wait',
    });
    // Judged on who holds it now: a member that left makes it stop, one that came makes it stall.
    const left = samples([7, 7, 7], [2, 2, 2], true);
    left[2]!.held = false;
    expect(judgePartition(left).state).toBe('stop');
    const came = samples([7, 7, 7], [2, 2, 2], false);
    came[2]!.held = true;
    expect(judgePartition(came).state).toBe('stall');
    // One move anywhere in the window is a commit: neither.
    expect(judgePartition(samples([7, 7, 8, 8], [2, 2, 1, 1], false)).state).toBe('ok');
  });

  it('is warning when the offset moves but lag never falls (equal is not falling), ok when it falls once', () => {
    expect(judgePartition(samples([1, 2, 3, 4], [10, 10, 12, 15]))).toEqual({
      state: 'warning',
      reason: 'committing, but the lag has not fallen in the window',
    });
    expect(judgePartition(samples([1, 2, 3, 4], [10, 11, 10, 15]))).toEqual({
      state: 'ok',
      reason: 'committing, and the lag falls',
    });
  });
});

it('names every state the gauge exports, in order of severity after ok', () => {
  expect(LAG_STATES).toEqual(['ok', 'warning', 'stall', 'stop', 'rewind']);
});
