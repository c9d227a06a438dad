export const REJECTION_CODES = [
  'empty',
  'invalid_utf8',
  'too_large',
  'not_json',
  'not_object',
  'too_deep',
  'forbidden_key',
  'invalid_number',
  'invalid_field',
  'future_timestamp',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Why a body or a Kafka record is not an acceptable event; `path` names the offending field. */
export interface Rejection {
  code: RejectionCode;
  message: string;
  path?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function reject(code: RejectionCode, message: string, path?: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: path === undefined ? { code, message } : { code, message, path } };
}
