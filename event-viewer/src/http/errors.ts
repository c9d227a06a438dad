import { COMMON_ERROR_CODES, httpErrorFactory } from '@eventstreamapp/service-kit';

/** Every code the viewer answers with, and its status (README, "Errors"). */
export const ERROR_CODES = {
  ...COMMON_ERROR_CODES,
  invalid_query: 400,
  forbidden: 403,
  csrf_failed: 403,
  method_not_allowed: 405,
  not_acceptable: 406,
  replay_running: 409,
  dry_run_required: 409,
  replay_not_running: 409,
  too_many_attempts: 429,
  too_many_exports: 429,
  too_many_live_clients: 503,
  too_many_reads: 503,
  audit_unavailable: 503,
} as const;

export const httpError = httpErrorFactory(ERROR_CODES);
