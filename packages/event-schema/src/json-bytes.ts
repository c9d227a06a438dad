import { type Result, reject } from './rejection.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes bytes as strict UTF-8 (a lossy decode would store text the sender never sent). */
function decodeUtf8(bytes: Uint8Array): Result<string> {
  try {
    return { ok: true, value: STRICT_UTF8.decode(bytes) };
  } catch {
    return reject('invalid_utf8', 'body is not valid UTF-8');
  }
}

function parseJsonText(text: string): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return reject('not_json', `malformed JSON: ${(err as Error).message}`);
  }
}

/** Bytes to a JSON value, refusing empty, over-size, non-UTF-8 and malformed input. */
export function parseJsonBytes(
  bytes: Uint8Array | null | undefined,
  maxBytes: number,
): Result<{ text: string; value: unknown }> {
  if (!bytes || bytes.length === 0) return reject('empty', 'no content');
  if (bytes.length > maxBytes) return reject('too_large', `${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  const text = decodeUtf8(bytes);
  if (!text.ok) return text;
  const value = parseJsonText(text.value);
  if (!value.ok) return value;
  return { ok: true, value: { text: text.value, value: value.value } };
}
