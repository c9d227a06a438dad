import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetterHeaders, deadLetterOrigin, withoutDeadLetterHeaders } from './dead-letter.js';

describe('dead-letter headers', () => {
  const headers = {
    [DLQ_HEADERS.reason]: Buffer.from('too_large'),
    [DLQ_HEADERS.message]: Buffer.from('the event is 9000 bytes; the limit is 1024'),
    [DLQ_HEADERS.topic]: Buffer.from('events'),
    [DLQ_HEADERS.partition]: Buffer.from('2'),
    [DLQ_HEADERS.offset]: Buffer.from('41'),
    'idempotency-key': Buffer.from('k1'),
  };

  it('read back as the origin the consumer wrote', () => {
    expect(deadLetterOrigin(headers)).toEqual({
      reason: 'too_large',
      message: 'the event is 9000 bytes; the limit is 1024',
      topic: 'events',
      partition: 2,
      offset: '41',
    });
  });

  it('say unknown for a record the consumer did not write', () => {
    expect(deadLetterOrigin(undefined)).toEqual({ reason: 'unknown', message: '' });
    expect(deadLetterOrigin({ [DLQ_HEADERS.partition]: 'x' })).toEqual({ reason: 'unknown', message: '' });
  });

  it('come off for a replay, leaving the record’s own', () => {
    expect(Object.keys(withoutDeadLetterHeaders(headers))).toEqual(['idempotency-key']);
  });

  it('keep a record’s own headers named like object members, and read its origin past them', () => {
    const own = Object.defineProperty({ ...headers, toString: Buffer.from('t') }, '__proto__', {
      value: Buffer.from('p'),
      enumerable: true,
    });
    expect(deadLetterOrigin(own)).toEqual(deadLetterOrigin(headers));
    const kept = withoutDeadLetterHeaders(own);
    expect(Object.keys(kept)).toEqual(['idempotency-key', 'toString', '__proto__']);
    expect(String(Object.getOwnPropertyDescriptor(kept, '__proto__')?.value)).toBe('p');
  });
});

describe('dead-letter headers, written and read', () => {
  it('round-trip: what the consumer writes is what the viewer and the replay read', () => {
    const headers = deadLetterHeaders(
      { code: 'too_large', message: 'event is 70000 bytes' },
      { topic: 'events', partition: 2, offset: '41' },
    );
    expect(headers).toEqual({
      [DLQ_HEADERS.reason]: 'too_large',
      [DLQ_HEADERS.message]: 'event is 70000 bytes',
      [DLQ_HEADERS.topic]: 'events',
      [DLQ_HEADERS.partition]: '2',
      [DLQ_HEADERS.offset]: '41',
    });
    expect(deadLetterOrigin(headers)).toEqual({
      reason: 'too_large',
      message: 'event is 70000 bytes',
      topic: 'events',
      partition: 2,
      offset: '41',
    });
    expect(withoutDeadLetterHeaders({ ...headers, own: 'kept' })).toEqual({ own: 'kept' });
  });
});
