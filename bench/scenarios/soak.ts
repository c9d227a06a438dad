import { clientEvent } from '../lib/events.js';
import { atFixedRate } from '../lib/load.js';
import { benchRedis, redisKeys } from '../lib/redis-helpers.js';
import type { Row, Scenario } from '../lib/report.js';
import { startPipeline } from '../lib/stack.js';

const BULK = 100;

/**
 * Retention under load: 1,000 events/s through the generator and the consumer for the retention plus
 * three minutes, with EVENT_RETENTION and DEDUP_WINDOW_MS of two minutes. Once the first retention
 * period has passed, Redis' used_memory must stay within ±10% of its mean; at the end every
 * acknowledged event younger than the retention is in event_log, and nothing older is.
 */
export const soakScenario: Scenario = async ({ quick }) => {
  const retentionS = quick ? 10 : 120;
  const plateauS = quick ? 10 : 180;
  const rate = 1_000;
  const redis = benchRedis();
  const pipeline = await startPipeline('soak', {
    EVENT_RETENTION: `${retentionS}s`,
    DEDUP_WINDOW_MS: String(retentionS * 1000),
  });
  const keys = redisKeys(pipeline.prefix);
  const acknowledged: { id: string; timestamp: number }[] = [];
  const memory: { at: number; bytes: number }[] = [];
  let errors = 0;
  const started = Date.now();
  const sampler = setInterval(() => {
    void redis
      .info('memory')
      .then((info) => memory.push({ at: Date.now(), bytes: Number(/used_memory:(\d+)/.exec(info)?.[1]) }));
  }, 5_000);
  try {
    await atFixedRate(rate / BULK, retentionS + plateauS, async (i) => {
      const body = JSON.stringify(Array.from({ length: BULK }, (_, j) => clientEvent(i * BULK + j)));
      const res = await fetch(`${pipeline.generator.url}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 202) {
        errors++;
        await res.arrayBuffer();
        return;
      }
      for (const e of (await res.json()) as { event_id: string; timestamp: number }[])
        acknowledged.push({ id: e.event_id, timestamp: e.timestamp });
    });
    clearInterval(sampler);
    const newest = acknowledged.reduce((max, e) => Math.max(max, e.timestamp), 0);
    // Drained when the newest acknowledged event is stored; the last chunk's trim ran at about that time.
    for (let i = 0; i < 600 && (await redis.zcount(keys.eventLog, newest, newest)) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const lastStoredAt = Date.now();
    const members = await redis.zrange(keys.eventLog, 0, -1, 'WITHSCORES');
    const stored = new Set<string>();
    let oldest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < members.length; i += 2) {
      stored.add((JSON.parse(members[i]!) as { event_id: string }).event_id);
      oldest = Math.min(oldest, Number(members[i + 1]));
    }
    // One second of slack either side: the last trim ran when the last chunk was stored, just before.
    const cutoff = lastStoredAt - retentionS * 1000;
    const inside = acknowledged.filter((e) => e.timestamp >= cutoff + 1_000);
    const missing = inside.filter((e) => !stored.has(e.id)).length;
    const outside = acknowledged.filter((e) => e.timestamp < cutoff - 1_000 && stored.has(e.id)).length;
    const settled = memory.filter((m) => m.at >= started + (retentionS + 15) * 1000).map((m) => m.bytes);
    const mean = settled.reduce((a, b) => a + b, 0) / Math.max(settled.length, 1);
    const spread = settled.length ? Math.max(...settled.map((b) => Math.abs(b - mean) / mean)) : Number.NaN;
    const failed = errors + missing + outside + (spread > 0.1 ? 1 : 0);
    const rows: Row[] = [
      {
        scenario: 'soak',
        measure: 'events acknowledged',
        value: acknowledged.length,
        unit: 'count',
        note: `${errors} requests not 202`,
      },
      {
        scenario: 'soak',
        measure: 'used_memory largest deviation from mean',
        value: spread * 100,
        unit: '%',
        note: `${settled.length} samples after the first retention period, mean ${(mean / 2 ** 20).toFixed(1)} MiB; \
goal ≤ 10%`,
      },
      {
        scenario: 'soak',
        measure: 'acknowledged events inside the window missing',
        value: missing,
        unit: 'count',
        note: `of ${inside.length}`,
      },
      {
        scenario: 'soak',
        measure: 'events older than the window still kept',
        value: outside,
        unit: 'count',
        note: `oldest kept ${((lastStoredAt - oldest) / 1000).toFixed(1)} s old; retention ${retentionS} s`,
      },
    ];
    return {
      rows,
      parameters: { ratePerSecond: rate, retentionSeconds: retentionS, plateauSeconds: plateauS, bulk: BULK },
      errors: failed,
    };
  } finally {
    clearInterval(sampler);
    await pipeline.stop();
    redis.disconnect();
  }
};
