import { httpErrorFactory } from '@eventstreamapp/service-kit';

/** Every code POST /publish answers with, and its status (README, "Errors"). */
export const ERROR_CODES = {
  malformed_json: 400,
  invalid_event: 400,
  invalid_idempotency_key: 400,
  undecodable_body: 400,
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  too_many_events: 413,
  idempotency_key_reused: 422,
  rate_limited: 429,
  event_id_reused: 422,
  unsupported_media_type: 415,
  internal: 500,
  kafka_unavailable: 503,
  redis_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const httpError = httpErrorFactory(ERROR_CODES);
