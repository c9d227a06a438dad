import { describe, expect, it } from 'vitest';
import { deadLetterOrigin, withoutDeadLetterHeaders } from './dead-letter.js';
import { DLQ_HEADERS } from './names.js';

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
});
