/** ARCHITECTURE.md, "Contracts": one event is at most 64 KiB of JSON by default. */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

/**
 * Deeper documents are refused: recursive code downstream (JSON.stringify, renderers,
 * other consumers of the topic) must never meet a stack-exhausting event.
 */
export const MAX_NESTING_DEPTH = 64;

export const USER_ID_MAX_LENGTH = 128;

/** Largest epoch-milliseconds value a JavaScript Date can hold. */
export const MAX_TIMESTAMP_MS = 8.64e15;

/**
 * One live-stream entry (`event_stream`) holds the events of one stored chunk, in order, each as its
 * `e` (JSON), `t` (timestamp) and optional `k` (journey) fields: at most this many events, and no more
 * JSON than STREAM_ENTRY_BYTES unless a single event is larger (then it is alone). One XADD per entry
 * instead of per event is what the store script saves; the bounds keep an entry, an SSE message and a
 * catch-up read small.
 */
export const STREAM_ENTRY_EVENTS = 128;
export const STREAM_ENTRY_BYTES = 16 * 1024;
