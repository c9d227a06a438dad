import { z } from 'zod';
import { eventSchema, timestampSchema, userIdSchema } from './event.js';
import { ISO_8601 } from './timestamp.js';

const byInputType = (number: string, other: string) => (issue: { code?: string; input?: unknown }) =>
  issue.code === 'invalid_union' ? (typeof issue.input === 'number' ? number : other) : undefined;

/** event_id as a client may send it: a UUID, or nothing (the server makes one). */
export const eventIdInput = eventSchema.shape.event_id.optional().describe('a UUID; the server makes one when absent');

/** user_id as a client may send it: text, or a safe integer stored as its text; absent or null, the server's. */
export const userIdInput = z
  .union([userIdSchema, z.int('must be a string or a safe integer')], {
    error: byInputType('must be a string or a safe integer', 'must be a string or an integer'),
  })
  .nullable()
  .optional()
  .describe('a string, or an integer stored as its text; the server makes one (anon-…) when absent');

/**
 * timestamp as a client may send it: epoch milliseconds, or an ISO-8601 date (normalize.ts then checks that it is on
 * the calendar); absent or null, the server's clock.
 */
export const timestampInput = z
  .union(
    [timestampSchema, z.string().regex(ISO_8601, 'must be epoch milliseconds or an ISO-8601 date-time with a zone')],
    {
      error: byInputType(
        'must be an integer of epoch milliseconds',
        'must be epoch milliseconds or an ISO-8601 date-time with a zone',
      ),
    },
  )
  .nullable()
  .optional()
  .describe('epoch milliseconds or an ISO-8601 date-time with a zone; the server’s clock when absent');

/**
 * One event as a client may send it to POST /publish: each reserved field optional (the server fills it in),
 * in each form `normalizeEvent` takes (it parses them with these schemas), and any other field kept. What JSON
 * Schema cannot say — the timestamp window, a date that exists, the event's size — the server answers with a
 * 400 or 413 naming it.
 */
export const publishedEventSchema = z.looseObject({
  event_id: eventIdInput,
  user_id: userIdInput,
  timestamp: timestampInput,
});

/** The body of POST /publish: one event, or an array of 1 to `maxBulkEvents` of them (all or nothing). */
export function publishBodySchema(maxBulkEvents: number) {
  return z.union([publishedEventSchema, z.array(publishedEventSchema).min(1).max(maxBulkEvents)]);
}
