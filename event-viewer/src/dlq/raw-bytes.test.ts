import { describe, expect, it } from 'vitest';
import { showBytes } from './raw-bytes.js';

describe('showBytes', () => {
  it('shows valid UTF-8 as itself', () => {
    expect(showBytes(Buffer.from('{"a":"é€😀"}'))).toEqual({ text: '{"a":"é€😀"}', utf8: true });
  });

  it('shows each byte that is not UTF-8 as \\xNN, and the rest as text', () => {
    const bytes = Buffer.concat([
      Buffer.from('ok '),
      Buffer.from([0xff, 0xc3]),
      Buffer.from(' é '),
      Buffer.from([0xed, 0xa0, 0x80]),
    ]);
    expect(showBytes(bytes)).toEqual({ text: 'ok \\xff\\xc3 é \\xed\\xa0\\x80', utf8: false });
  });

  it('makes control characters visible', () => {
    expect(showBytes(Buffer.from('a\u0000b\u001bc\nd\te')).text).toBe('a\\u0000b\\u001bc\nd\te');
  });

  it('does not blame a value for a character cut by the preview', () => {
    const cut = Buffer.from('ab€').subarray(0, 4);
    expect(showBytes(cut, true)).toEqual({ text: 'ab', utf8: true });
    expect(showBytes(cut, false)).toEqual({ text: 'ab\\xe2\\x82', utf8: false });
  });
});
