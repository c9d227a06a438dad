import { describe, expect, it } from 'vitest';
import { parseJsonBytes } from './json-bytes.js';

describe('parseJsonBytes', () => {
  it('takes exactly maxBytes, keeping the text as sent (a byte-order mark included)', () => {
    expect(parseJsonBytes(Buffer.from('{"a":1}'), 7)).toEqual({
      ok: true,
      value: { text: '{"a":1}', value: { a: 1 } },
    });
    // ignoreBOM: false strips it — the stored text is what JSON.parse reads, with no mark in front.
    expect(parseJsonBytes(Buffer.from('\ufeff[1]'), 10)).toEqual({ ok: true, value: { text: '[1]', value: [1] } });
  });

  it('refuses, saying which: nothing, one byte over, bytes that are not UTF-8, text that is not JSON', () => {
    expect(parseJsonBytes(undefined, 10)).toEqual({ ok: false, rejection: { code: 'empty', message: 'no content' } });
    expect(parseJsonBytes(Buffer.alloc(0), 10)).toEqual({
      ok: false,
      rejection: { code: 'empty', message: 'no content' },
    });
    expect(parseJsonBytes(Buffer.from('{"a":12}'), 7)).toEqual({
      ok: false,
      rejection: { code: 'too_large', message: '8 bytes exceeds the limit of 7' },
    });
    expect(parseJsonBytes(Buffer.from([0x7b, 0xff, 0x7d]), 10)).toEqual({
      ok: false,
      rejection: { code: 'invalid_utf8', message: 'body is not valid UTF-8' },
    });
    const malformed = parseJsonBytes(Buffer.from('{"a":'), 10);
    expect(malformed).toMatchObject({
      ok: false,
      rejection: { code: 'not_json', message: expect.stringMatching(/^malformed JSON: .+/) },
    });
  });
});
