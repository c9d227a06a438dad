import type { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/**
 * Waits until every acknowledged event is a member of the log, then checks that no event_id
 * appears twice in it: acknowledged means stored, exactly once.
 */
export async function expectAcknowledgedStoredOnce(
  redis: Redis,
  logKey: string,
  acknowledged: string[],
  timeoutMs = 90_000,
): Promise<void> {
  let missing = acknowledged.length;
  await waitFor(
    async () => {
      missing = 0;
      for (let i = 0; i < acknowledged.length; i += 1_000) {
        const scores = await redis.zmscore(logKey, ...acknowledged.slice(i, i + 1_000));
        missing += scores.filter((s) => s === null).length;
      }
      return missing === 0;
    },
    timeoutMs,
    'every acknowledged event in the log',
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${missing} of ${acknowledged.length} acknowledged events missing`);
  });
  const ids = new Map<string, number>();
  for (const member of await redis.zrange(logKey, 0, -1)) {
    const id = (JSON.parse(member) as { event_id: string }).event_id;
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  const twice = [...ids].filter(([, n]) => n > 1);
  if (twice.length > 0) throw new Error(`${twice.length} event_ids stored more than once, e.g. ${twice[0]![0]}`);
}
