import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type Event, RESERVED_FIELDS, timestampSchema } from './event.js';
import { checkJsonShape, isPlainObject } from './json-shape.js';
import { DEFAULT_MAX_EVENT_BYTES } from './limits.js';
import { eventIdInput, timestampInput, userIdInput } from './publish-body.js';
import { type Rejection, type Result, reject } from './rejection.js';
import {
  checkTimestampWindow,
  DEFAULT_TIMESTAMP_WINDOW,
  parseIsoTimestamp,
  type TimestampWindow,
} from './timestamp.js';

/** An event together with the one JSON text that represents it everywhere downstream. */
export interface EventRecord {
  event: Event;
  json: string;
}

export interface NormalizeOptions {
  now?: () => number;
  newEventId?: () => string;
  newUserId?: () => string;
  maxBytes?: number;
  /** Client timestamps outside it are refused; null accepts any (records already published). */
  timestampWindow?: TimestampWindow | null;
}

function generateUserId(): string {
  return `anon-${randomBytes(6).toString('hex')}`;
}

export function firstIssue(error: z.ZodError, prefix?: string): Rejection {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  const message = issue?.message ?? 'invalid';
  return { code: 'invalid_field', message: path ? `${path} ${message}` : message, ...(path ? { path } : {}) };
}

function normalizeUserId(raw: unknown, newUserId: () => string): Result<string> {
  const parsed = userIdInput.safeParse(raw);
  if (!parsed.success) return { ok: false, rejection: firstIssue(parsed.error, 'user_id') };
  return { ok: true, value: parsed.data === undefined || parsed.data === null ? newUserId() : String(parsed.data) };
}

function normalizeTimestamp(raw: unknown, now: () => number, window: TimestampWindow | null): Result<number> {
  const parsed = timestampInput.safeParse(raw);
  if (!parsed.success) return { ok: false, rejection: firstIssue(parsed.error, 'timestamp') };
  if (parsed.data === undefined || parsed.data === null) return { ok: true, value: now() };
  let ms = parsed.data;
  if (typeof ms === 'string') {
    // A date JSON Schema's pattern takes may still not exist (30 February), or fall before 1970.
    const date = parseIsoTimestamp(ms);
    if (!date.ok) return date;
    const inRange = timestampSchema.safeParse(date.value);
    if (!inRange.success) return { ok: false, rejection: firstIssue(inRange.error, 'timestamp') };
    ms = inRange.data;
  }
  return window ? checkTimestampWindow(ms, now(), window) : { ok: true, value: ms };
}

/**
 * What event-generator applies to a client's event: fills or checks the reserved fields,
 * keeps every other field as sent (after them, in the client's order) and produces the
 * event's JSON text once.
 */
export function normalizeEvent(input: unknown, options: NormalizeOptions = {}): Result<EventRecord> {
  const {
    now = Date.now,
    newEventId = randomUUID,
    newUserId = generateUserId,
    maxBytes = DEFAULT_MAX_EVENT_BYTES,
    timestampWindow = DEFAULT_TIMESTAMP_WINDOW,
  } = options;
  if (!isPlainObject(input)) return reject('not_object', 'an event must be a JSON object');
  const shape = checkJsonShape(input);
  if (!shape.ok) return shape;

  const eventId = eventIdInput.safeParse(input.event_id);
  if (!eventId.success) return { ok: false, rejection: firstIssue(eventId.error, 'event_id') };
  const userId = normalizeUserId(input.user_id, newUserId);
  if (!userId.ok) return userId;
  const timestamp = normalizeTimestamp(input.timestamp, now, timestampWindow);
  if (!timestamp.ok) return timestamp;

  const clientFields = Object.entries(input).filter(([key]) => !(RESERVED_FIELDS as readonly string[]).includes(key));
  // fromEntries defines own properties, so no client key can reach a prototype.
  const event = Object.fromEntries([
    // UUIDs compare case-insensitively; one spelling keeps every copy of an event byte-identical.
    ['event_id', (eventId.data ?? newEventId()).toLowerCase()],
    ['user_id', userId.value],
    ['timestamp', timestamp.value],
    ...clientFields,
  ]) as Event;
  const json = JSON.stringify(event);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) return reject('too_large', `event is ${bytes} bytes of JSON, over the limit of ${maxBytes}`);
  return { ok: true, value: { event, json } };
}
