import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize.js';
import { parseEventRecord } from './parse-record.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const VALID =
  '{"event_id":"0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69","user_id":"u1","timestamp":1700000000000,"action":"x"}';

describe('parseEventRecord', () => {
  it('returns the typed event and the exact text of the record', () => {
    const spaced = VALID.replace(',"action"', ' , "action"');
    const result = parseEventRecord(bytes(spaced));
    expect(result).toEqual({
      ok: true,
      value: {
        event: {
          event_id: '0b6a3a8e-1f0c-4d55-9a7e-3c1f2d4b5a69',
          user_id: 'u1',
          timestamp: 1700000000000,
          action: 'x',
        },
        json: spaced,
      },
    });
  });

  it('round-trips what normalizeEvent produced', () => {
    const normalized = normalizeEvent({ user_id: 'u2', payload: { n: [1, 2] } });
    if (!normalized.ok) throw new Error('normalize failed');
    const parsed = parseEventRecord(bytes(normalized.value.json));
    expect(parsed.ok && parsed.value).toEqual(normalized.value);
  });

  it.each([
    ['empty', null, 'empty'],
    ['zero bytes', Buffer.alloc(0), 'empty'],
    ['not JSON', bytes('hello'), 'not_json'],
    ['truncated JSON', bytes(VALID.slice(0, 20)), 'not_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'invalid_utf8'],
    ['an overlong UTF-8 encoding', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'invalid_utf8'],
    ['a JSON array', bytes('[1,2]'), 'not_object'],
    ['a JSON string', bytes('"x"'), 'not_object'],
    ['a missing event_id', bytes('{"user_id":"u1","timestamp":1}'), 'invalid_field'],
    ['a string timestamp', bytes(VALID.replace('1700000000000', '"1700000000000"')), 'invalid_field'],
    ['a user_id with a space', bytes(VALID.replace('"u1"', '"u 1"')), 'invalid_field'],
    ['a __proto__ key', bytes(VALID.replace('"action"', '"__proto__"')), 'forbidden_key'],
    ['a huge number', bytes(VALID.replace('"x"', '1e999')), 'invalid_number'],
  ])('rejects a record with %s', (_name, value, code) => {
    const result = parseEventRecord(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection.code).toBe(code);
  });

  it('rejects a record over the size limit before decoding it', () => {
    const result = parseEventRecord(bytes(VALID), VALID.length - 1);
    expect(!result.ok && result.rejection.code).toBe('too_large');
  });

  it('names the field that failed the schema', () => {
    const result = parseEventRecord(bytes(VALID.replace('"u1"', '""')));
    expect(!result.ok && result.rejection).toMatchObject({ code: 'invalid_field', path: 'user_id' });
  });
});
