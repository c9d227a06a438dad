/** DESIGN.md: one event is at most 64 KiB of JSON by default. */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

/**
 * Deeper documents are refused: recursive code downstream (JSON.stringify, renderers,
 * other consumers of the topic) must never meet a stack-exhausting event.
 */
export const MAX_NESTING_DEPTH = 64;

export const USER_ID_MAX_LENGTH = 128;

/** Largest epoch-milliseconds value a JavaScript Date can hold. */
export const MAX_TIMESTAMP_MS = 8.64e15;
