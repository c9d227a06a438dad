import { HttpError as BaseHttpError } from '@eventstreamapp/service-kit';

export const ERROR_CODES = {
  invalid_query: 400,
  not_found: 404,
  not_acceptable: 406,
  internal: 500,
  redis_unavailable: 503,
  too_many_live_clients: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HttpError extends BaseHttpError<ErrorCode> {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, ERROR_CODES[code], message, details, options);
  }
}
