/** A partition's end offset (the offset its next record gets) as seen at time `t`. */
export interface EndSample {
  t: number;
  high: number;
}

/**
 * How long the oldest unconsumed record of a partition has waited, estimated from when its end offset
 * passed `committed` (the offset of that record), as Kafka lag exporters do: between the two samples that
 * bracket it, time is interpolated in proportion to offsets. Samples are oldest first. When every sample
 * already lies past the record, the answer is the age of the oldest sample and `atLeast` says it is a bound.
 */
export function lagSeconds(
  samples: EndSample[],
  committed: number,
  now: number,
): { seconds: number; atLeast: boolean } {
  const last = samples[samples.length - 1];
  if (!last || committed >= last.high) return { seconds: 0, atLeast: false };
  // The first sample whose end lies past the record: it had arrived by then.
  const i = samples.findIndex((s) => s.high > committed);
  const after = samples[i]!;
  if (i === 0) return { seconds: (now - after.t) / 1000, atLeast: true };
  const before = samples[i - 1]!;
  const share = (committed + 1 - before.high) / (after.high - before.high);
  const arrived = before.t + share * (after.t - before.t);
  return { seconds: Math.max(0, (now - arrived) / 1000), atLeast: false };
}
