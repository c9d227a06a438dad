import { httpErrorFactory } from '@eventstreamapp/service-kit';

/** Every code the viewer answers with, and its status (README, "Errors"). */
export const ERROR_CODES = {
  bad_request: 400,
  invalid_query: 400,
  unauthorized: 401,
  not_found: 404,
  not_acceptable: 406,
  too_many_attempts: 429,
  internal: 500,
  redis_unavailable: 503,
  kafka_unavailable: 503,
  too_many_live_clients: 503,
  too_many_reads: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const httpError = httpErrorFactory(ERROR_CODES);
