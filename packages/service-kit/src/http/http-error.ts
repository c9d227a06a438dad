import { ServiceError } from '../process/service-error.js';

/** An error a client sees: a stable code, its HTTP status, a message for people, optional details. */
export class HttpError<Code extends string = string> extends Error {
  override name = 'HttpError';
  constructor(
    readonly code: Code,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/**
 * The codes every HTTP service here answers with, whatever it adds: a request it cannot read, no or
 * wrong credentials, no such route, a bug, Kafka or Redis out of reach (the ops server uses the same).
 */
export const COMMON_ERROR_CODES = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  internal: 500,
  kafka_unavailable: 503,
  redis_unavailable: 503,
} as const;

/** A function making HttpErrors from one service's code → status table, so a code always has its status. */
export function httpErrorFactory<Codes extends Record<string, number>>(codes: Codes) {
  return (
    code: keyof Codes & string,
    message: string,
    details?: Record<string, unknown>,
    cause?: unknown,
  ): HttpError<keyof Codes & string> =>
    new HttpError(code, codes[code]!, message, details, cause === undefined ? undefined : { cause });
}

/**
 * The 4xx status another middleware (body-parser, express' router) put on an error it raised for a
 * client's mistake — a malformed path, an undecodable body — or undefined for anything else.
 */
export function clientErrorStatus(err: unknown): number | undefined {
  const status =
    (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export type RequestFailure =
  | { kind: 'http'; error: HttpError }
  | { kind: 'service'; error: ServiceError }
  | { kind: 'client'; status: number; error: Error }
  | { kind: 'internal'; error: unknown };

/**
 * What an error reaching an app's error handler is: already an HTTP answer, a Kafka or Redis
 * failure to map, a client's mistake another middleware caught (4xx), or a bug (500).
 */
export function classifyRequestError(err: unknown): RequestFailure {
  if (err instanceof HttpError) return { kind: 'http', error: err };
  if (err instanceof ServiceError) return { kind: 'service', error: err };
  const status = clientErrorStatus(err);
  if (status !== undefined) return { kind: 'client', status, error: err as Error };
  return { kind: 'internal', error: err };
}
