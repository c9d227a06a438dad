/** `fn` runs on the first call only; every call returns that first call's promise. */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}

export type Closer = readonly [name: string, close: () => Promise<unknown> | unknown];

/**
 * Closes in stages: the closers of one stage together, the next stage after the previous settled,
 * each stage even when an earlier one failed — so one failure never leaves the rest open. Throws an
 * AggregateError naming every closer that failed.
 */
export async function closeInStages(stages: readonly (readonly Closer[])[]): Promise<void> {
  const failures: Error[] = [];
  for (const stage of stages) {
    const results = await Promise.allSettled(stage.map(async ([, close]) => close()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        const name = stage[i]![0];
        failures.push(
          new Error(`${name}: ${(result.reason as Error)?.message ?? String(result.reason)}`, { cause: result.reason }),
        );
      }
    });
  }
  if (failures.length > 0)
    throw new AggregateError(failures, `stop failed: ${failures.map((f) => f.message).join('; ')}`);
}
