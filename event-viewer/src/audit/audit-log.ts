import { type AuditRecord, decodeAuditRecord, encodeAuditRecord } from '@eventstreamapp/event-schema';
import type { Cluster, Redis } from 'ioredis';

/**
 * Entries the audit stream keeps at most, whatever AUDIT_RETENTION says: a dry run or a replay writes two
 * (started, then finished or failed), each under 2 KiB, so the stream stays under about 20 MiB.
 */
export const AUDIT_MAX_ENTRIES = 10_000;
/** Characters of an error message kept in an entry. */
const ERROR_CHARS = 500;

export interface AuditEntry {
  /** The stream entry's id: its time, and the cursor of the next page. */
  id: string;
  at: number;
  record: AuditRecord;
}

/**
 * What operators did, in a Redis Stream of its own (AUDIT_LOG_KEY): each write drops entries older than
 * `retentionMs` (MINID) and beyond AUDIT_MAX_ENTRIES, and reads never show an older one, so the
 * retention holds even while nothing is written.
 */
export function createAuditLog(redis: Redis | Cluster, key: string, retentionMs: number, now: () => number = Date.now) {
  const oldestKept = () => String(Math.max(0, now() - retentionMs));
  return {
    async append(record: AuditRecord): Promise<void> {
      const kept = record.error === undefined ? record : { ...record, error: record.error.slice(0, ERROR_CHARS) };
      await redis
        .multi()
        .xadd(key, 'MINID', '~', oldestKept(), '*', ...encodeAuditRecord(kept))
        .xtrim(key, 'MAXLEN', '~', AUDIT_MAX_ENTRIES)
        .exec()
        .then((replies) => {
          const failed = replies?.find(([err]) => err);
          if (failed) throw failed[0];
        });
    },
    /** The newest `limit` entries before the entry `before` (exclusive), newest first. */
    async list(limit: number, before?: string): Promise<AuditEntry[]> {
      // Nothing is before the first possible id, and Redis refuses the interval `(0-0` (found by Schemathesis).
      if (before !== undefined && /^0+-0+$/.test(before)) return [];
      const rows = await redis.xrevrange(key, before ? `(${before}` : '+', oldestKept(), 'COUNT', limit);
      return rows.map(([id, fields]) => ({ id, at: Number(id.split('-')[0]), record: decodeAuditRecord(fields) }));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
