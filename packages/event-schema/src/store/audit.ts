/**
 * One entry of the audit log (`audit_log`, a Redis Stream): something an operator did from the viewer.
 * The entry's id holds when; the fields hold what (`a`), who (`u`), which job (`j`: a started and a
 * finished entry share it), the selection (`s`, JSON), the counts (`c`, JSON, once known) and an error
 * (`e`) when it failed.
 */
const AUDIT_FIELDS = { action: 'a', who: 'u', job: 'j', selection: 's', counts: 'c', error: 'e' } as const;

export interface AuditRecord {
  /** `dlq.replay.started`, `dlq.replay.finished`, `dlq.replay.failed`. */
  action: string;
  who: string;
  job: string;
  selection: Record<string, unknown>;
  counts?: Record<string, unknown>;
  error?: string;
}

/** XADD's field-value pairs for one record. */
export function encodeAuditRecord(record: AuditRecord): string[] {
  return [
    AUDIT_FIELDS.action,
    record.action,
    AUDIT_FIELDS.who,
    record.who,
    AUDIT_FIELDS.job,
    record.job,
    AUDIT_FIELDS.selection,
    JSON.stringify(record.selection),
    ...(record.counts === undefined ? [] : [AUDIT_FIELDS.counts, JSON.stringify(record.counts)]),
    ...(record.error === undefined ? [] : [AUDIT_FIELDS.error, record.error]),
  ];
}

const asObject = (json: string | undefined): Record<string, unknown> | undefined => {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A record from an XRANGE reply's field list; a field that is missing or not JSON reads as empty, never throws. */
export function decodeAuditRecord(fields: string[]): AuditRecord {
  const byName = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i]!, fields[i + 1]!);
  const counts = asObject(byName.get(AUDIT_FIELDS.counts));
  const error = byName.get(AUDIT_FIELDS.error);
  return {
    action: byName.get(AUDIT_FIELDS.action) ?? '',
    who: byName.get(AUDIT_FIELDS.who) ?? '',
    job: byName.get(AUDIT_FIELDS.job) ?? '',
    selection: asObject(byName.get(AUDIT_FIELDS.selection)) ?? {},
    ...(counts === undefined ? {} : { counts }),
    ...(error === undefined ? {} : { error }),
  };
}
