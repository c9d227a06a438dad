import { COMMON_ERROR_CODES, httpErrorFactory } from '@eventstreamapp/service-kit';

/** Every code POST /publish answers with, and its status (README, "Errors"). */
export const ERROR_CODES = {
  ...COMMON_ERROR_CODES,
  malformed_json: 400,
  invalid_event: 400,
  invalid_idempotency_key: 400,
  undecodable_body: 400,
  method_not_allowed: 405,
  payload_too_large: 413,
  too_many_events: 413,
  idempotency_key_reused: 422,
  rate_limited: 429,
  event_id_reused: 422,
  unsupported_media_type: 415,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const httpError = httpErrorFactory(ERROR_CODES);
