/** Polls `url` until it answers 200, the process dies, or the deadline passes; resolves with the reason it stopped. */
export async function waitUntilReady(
  url: string,
  options: { timeoutMs: number; alive: () => boolean; intervalMs?: number },
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (!options.alive()) return 'exited';
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return 'ready';
    } catch {
      // Not listening yet, or not answering: try again.
    }
    if (Date.now() >= deadline) return 'timeout';
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
