const SERVICE_ERROR_CODES = [
  /** Kafka did not acknowledge in time, or refused for a reason that may pass. */
  'kafka_unavailable',
  /** The broker refuses a record of this size: sending it again cannot succeed. */
  'record_too_large',
  /** No answer from Redis: connection lost, refused or timed out. */
  'redis_unavailable',
  /** Redis answered with an error (OOM, WRONGTYPE, READONLY, …): it is up, but refuses the command. */
  'redis_refused',
  /** Redis is at its maxmemory (policy noeviction) and refuses writes until memory is freed. */
  'redis_full',
  /** A replica did not acknowledge a write in time (WAIT): it may be lost in a failover. */
  'redis_not_replicated',
  /** The component was closed; a closed one never reopens. */
  'closed',
] as const;

export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

/**
 * What the Kafka and Redis layers throw: a stable code, whether trying again can help, and the
 * cause. Each app maps codes to HTTP statuses in its error handler, and nowhere else.
 */
export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly retryable: boolean;

  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** A short description of any error for a log line: never the dumped command arguments some clients attach. */
export function describeError(err: unknown, maxLength = 300): string {
  const message = err instanceof Error ? err.message : String(err);
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength)}…` : oneLine;
}
