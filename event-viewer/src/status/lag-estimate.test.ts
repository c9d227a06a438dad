import { describe, expect, it } from 'vitest';
import { lagSeconds } from './lag-estimate.js';

describe('lagSeconds', () => {
  const samples = [
    { t: 0, high: 100 },
    { t: 10_000, high: 200 },
    { t: 20_000, high: 300 },
  ];

  it('is zero when the group has consumed everything', () => {
    expect(lagSeconds(samples, 300, 25_000)).toEqual({ seconds: 0, atLeast: false });
    expect(lagSeconds([], 0, 25_000)).toEqual({ seconds: 0, atLeast: false });
  });

  it('interpolates when the oldest waiting record arrived between two samples', () => {
    // Offset 249 is the 50th record after 200: half-way between t=10 s and t=20 s.
    expect(lagSeconds(samples, 249, 25_000)).toEqual({ seconds: 10, atLeast: false });
    expect(lagSeconds(samples, 200, 25_000).seconds).toBeCloseTo(14.9, 5);
  });

  it('grows with time while the group stands still', () => {
    expect(lagSeconds(samples, 249, 65_000).seconds).toBe(50);
  });

  it('is a lower bound when the record is older than the first sample', () => {
    expect(lagSeconds(samples, 50, 25_000)).toEqual({ seconds: 25, atLeast: true });
  });
});
