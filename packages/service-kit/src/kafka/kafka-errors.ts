/** A kafkajs error as thrown: the protocol error may sit a few `cause`s deep, or among `errors`. */
interface KafkaError {
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
}

/** Whether the error, or one it wraps (kafkajs nests them in `cause` and `errors`), passes the test. */
function anyWrapped(err: unknown, test: (e: KafkaError) => boolean, depth = 0): boolean {
  const e = err as KafkaError | undefined;
  if (!e || depth >= 5) return false;
  return (
    test(e) ||
    anyWrapped(e.cause, test, depth + 1) ||
    (e.errors?.some((inner) => anyWrapped(inner, test, depth + 1)) ?? false)
  );
}

/** Whether Kafka said trying again may help. */
export function isRetriable(err: unknown): boolean {
  return anyWrapped(err, (e) => e.retriable === true);
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The broker refused a record or batch for its size. */
export function isRecordTooLarge(err: unknown): boolean {
  return anyWrapped(err, (e) => e.type !== undefined && TOO_LARGE.has(e.type));
}
