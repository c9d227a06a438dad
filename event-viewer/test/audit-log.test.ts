import { redisKeys } from '@eventstreamapp/event-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRedis, testRedis } from '../../tests/support/redis.js';
import { AUDIT_MAX_ENTRIES, createAuditLog } from '../src/audit/audit-log.js';

const DAY = 86_400_000;
const record = (job: string) => ({
  action: 'dlq.replay.finished',
  who: 'ada',
  job,
  selection: {},
  counts: { replayed: 1 },
});

/** The audit stream in a real Redis: its retention by age, its bound in entries, its pages. */
describe('the audit log', () => {
  let redis: TestRedis;
  beforeAll(() => {
    redis = testRedis('audit-log');
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('never shows an entry older than its retention, and drops old ones as new ones are written', async () => {
    const key = `${redisKeys(redis.prefix).auditLog}:age`;
    let clock = Date.now() - 100 * DAY;
    const audit = createAuditLog(redis.redis, key, 30 * DAY, () => clock);
    // Written a hundred days ago, at the log's own time (the entry id is Redis' clock: set it by hand).
    for (let i = 0; i < 150; i++)
      await redis.redis.xadd(key, `${clock + i}-0`, 'a', 'old', 'u', 'ada', 'j', `old-${i}`, 's', '{}');
    clock = Date.now();
    expect(await audit.list(10)).toEqual([]);
    await audit.append(record('new'));
    const entries = await audit.list(10);
    expect(entries.map((e) => e.record.job)).toEqual(['new']);
    expect(entries[0]).toMatchObject({ record: record('new') });
    // MINID's trim is approximate (whole nodes of 100): most of the old ones are gone from Redis, not only hidden.
    expect(await redis.redis.xlen(key)).toBeLessThan(100);
  });

  it(`holds at most about ${AUDIT_MAX_ENTRIES} entries, whatever the retention`, async () => {
    const key = `${redisKeys(redis.prefix).auditLog}:count`;
    const audit = createAuditLog(redis.redis, key, 3_650 * DAY);
    const pipeline = redis.redis.pipeline();
    for (let i = 0; i < AUDIT_MAX_ENTRIES + 500; i++)
      pipeline.xadd(key, '*', 'a', 'x', 'u', 'ada', 'j', `j${i}`, 's', '{}');
    await pipeline.exec();
    await audit.append(record('last'));
    const length = await redis.redis.xlen(key);
    expect(length).toBeGreaterThanOrEqual(AUDIT_MAX_ENTRIES);
    expect(length).toBeLessThanOrEqual(AUDIT_MAX_ENTRIES + 100);
  });

  it('pages newest first, each before the previous page’s last entry; errors cut to 500 characters', async () => {
    const key = `${redisKeys(redis.prefix).auditLog}:pages`;
    const audit = createAuditLog(redis.redis, key, 30 * DAY);
    for (let i = 0; i < 5; i++)
      await audit.append({ ...record(`j${i}`), ...(i === 4 ? { error: 'e'.repeat(2_000) } : {}) });
    const first = await audit.list(2);
    const second = await audit.list(2, first.at(-1)!.id);
    const third = await audit.list(2, second.at(-1)!.id);
    expect([...first, ...second, ...third].map((e) => e.record.job)).toEqual(['j4', 'j3', 'j2', 'j1', 'j0']);
    expect(first[0]!.record.error).toHaveLength(500);
  });

  it('has nothing before the first possible id, whatever its zeros (Schemathesis: before=0-0 was a 500)', async () => {
    const key = `${redisKeys(redis.prefix).auditLog}:zero`;
    const audit = createAuditLog(redis.redis, key, 30 * DAY);
    await audit.append(record('j0'));
    for (const before of ['0-0', '00-000']) expect(await audit.list(2, before)).toEqual([]);
    expect((await audit.list(2, '1-0')).length).toBe(0);
  });
});
