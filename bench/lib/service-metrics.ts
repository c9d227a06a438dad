/**
 * A service's /metrics, read once: each sample named `name`, summed over its labels (0 when absent: prom-client shows a
 * labelled counter only once counted).
 */
export async function scrapeMetrics(url: string): Promise<(name: string) => number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return (name) => {
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };
}
