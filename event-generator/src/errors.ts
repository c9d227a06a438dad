export const ERROR_CODES = {
  malformed_json: 400,
  invalid_event: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  too_many_events: 413,
  unsupported_media_type: 415,
  internal: 500,
  kafka_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every error a client sees: a stable code, its HTTP status, a message for people. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_CODES[code];
  }
}
