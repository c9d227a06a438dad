const fatal = new TextDecoder('utf-8', { fatal: true });

/** Bytes a UTF-8 sequence starting with `lead` has, or 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

const hex = (byte: number) => `\\x${byte.toString(16).padStart(2, '0')}`;

/** Control characters other than newline and tab would be invisible or garble the page: shown as escapes. */
function visible(text: string): string {
  const asEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f]/g, asEscape);
}

/**
 * A record's raw value as text a person can read: valid UTF-8 as itself, each byte that is not as `\xNN`,
 * control characters as `\uNNNN`. `cut`: the bytes are a prefix of the value, so a sequence cut at the
 * end is not a fault of the record's. The result still needs HTML escaping where it is shown.
 */
export function showBytes(bytes: Uint8Array, cut = false): { text: string; utf8: boolean } {
  let end = bytes.length;
  if (cut) {
    // Back up over an incomplete last sequence (at most three bytes).
    for (let i = Math.max(0, end - 3); i < end; i++) {
      const length = sequenceLength(bytes[i]!);
      if (length > 1 && i + length > end) {
        end = i;
        break;
      }
    }
  }
  const whole = bytes.subarray(0, end);
  try {
    return { text: visible(fatal.decode(whole)), utf8: true };
  } catch {
    // Walk it: decode each sequence that is valid, show each byte that is not.
  }
  let text = '';
  let run = 0;
  let i = 0;
  const flush = (to: number) => {
    if (to > run) text += visible(fatal.decode(whole.subarray(run, to)));
  };
  while (i < whole.length) {
    const length = sequenceLength(whole[i]!);
    let valid = length > 0 && i + length <= whole.length;
    if (valid && length > 1) {
      try {
        fatal.decode(whole.subarray(i, i + length));
      } catch {
        valid = false;
      }
    }
    if (valid) {
      i += length;
      continue;
    }
    flush(i);
    text += hex(whole[i]!);
    i++;
    run = i;
  }
  flush(whole.length);
  return { text, utf8: false };
}
