import { z } from 'zod';
import { eventSchema, timestampSchema, userIdSchema } from './event.js';
import { ISO_8601 } from './timestamp.js';

/**
 * One event as a client may send it to POST /publish: each reserved field optional (the server fills it in),
 * in each form `normalizeEvent` takes, and any other field kept. What JSON Schema cannot say — the timestamp
 * window, a date that exists, the event's size — the server answers with a 400 or 413 naming it.
 */
export const publishedEventSchema = z.looseObject({
  event_id: eventSchema.shape.event_id.optional().describe('a UUID; the server makes one when absent'),
  user_id: z
    .union([userIdSchema, z.int()])
    .nullable()
    .optional()
    .describe('a string, or an integer stored as its text; the server makes one (anon-…) when absent'),
  timestamp: z
    .union([timestampSchema, z.string().regex(ISO_8601)])
    .nullable()
    .optional()
    .describe('epoch milliseconds or an ISO-8601 date-time with a zone; the server’s clock when absent'),
});

/** The body of POST /publish: one event, or an array of 1 to `maxBulkEvents` of them (all or nothing). */
export function publishBodySchema(maxBulkEvents: number) {
  return z.union([publishedEventSchema, z.array(publishedEventSchema).min(1).max(maxBulkEvents)]);
}
