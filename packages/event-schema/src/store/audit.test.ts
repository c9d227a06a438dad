import { describe, expect, it } from 'vitest';
import { type AuditRecord, decodeAuditRecord, encodeAuditRecord } from './audit.js';

describe('audit records', () => {
  it('read back as written, counts and error included', () => {
    const record: AuditRecord = {
      action: 'dlq.replay.failed',
      who: 'alice',
      job: 'j1',
      selection: { partition: 0, fromOffset: 4, toOffset: 5 },
      counts: { read: 1, replayed: 0 },
      error: 'Kafka went away',
    };
    expect(decodeAuditRecord(encodeAuditRecord(record))).toEqual(record);
  });

  it('leave out counts and error until they are known', () => {
    const fields = encodeAuditRecord({ action: 'dlq.replay.started', who: 'bob', job: 'j2', selection: {} });
    expect(fields).toEqual(['a', 'dlq.replay.started', 'u', 'bob', 'j', 'j2', 's', '{}']);
    expect(decodeAuditRecord(fields)).toStrictEqual({
      action: 'dlq.replay.started',
      who: 'bob',
      job: 'j2',
      selection: {},
    });
  });

  it('read a damaged entry as empty fields, never throwing', () => {
    expect(decodeAuditRecord(['s', 'not json', 'c', '[1]', 'x'])).toStrictEqual({
      action: '',
      who: '',
      job: '',
      selection: {},
    });
    for (const json of ['null', '"text"', '7', '[]']) {
      expect(decodeAuditRecord(['s', json, 'c', json]), json).toStrictEqual({
        action: '',
        who: '',
        job: '',
        selection: {},
      });
    }
  });
});
