import { z } from 'zod';
import { MAX_TIMESTAMP_MS, USER_ID_MAX_LENGTH } from './limits.js';

const WHITESPACE_OR_CONTROL = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(USER_ID_MAX_LENGTH, `must be at most ${USER_ID_MAX_LENGTH} characters`)
  .refine((s) => !WHITESPACE_OR_CONTROL.test(s), 'must not contain whitespace or control characters')
  // Browsers resolve these path segments away (/events/.. is /), so the user's page could not be linked.
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".." (path segments a browser removes from a link)')
  // A lone surrogate becomes U+FFFD in UTF-8, so two different ids would name one Redis key.
  .refine((s) => s.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)');

export const timestampSchema = z
  .int('must be an integer of epoch milliseconds')
  .min(0, 'must not be before 1970')
  .max(MAX_TIMESTAMP_MS, 'is beyond the largest date');

/** An event as stored in Kafka and Redis: the reserved fields checked, every other field kept. */
export const eventSchema = z.looseObject({
  event_id: z.uuid('must be a UUID'),
  user_id: userIdSchema,
  timestamp: timestampSchema,
});

export type Event = z.infer<typeof eventSchema>;

export const RESERVED_FIELDS = ['event_id', 'user_id', 'timestamp'] as const;

const UUID = z.regexes.uuid();

/**
 * The reserved fields' rules above as plain predicates, each accepting exactly what its schema accepts (event.test.ts
 * compares them on generated values). The consumer asks these first and zod only to explain a refusal: zod's
 * safeParse of the three fields was 7 % of the consumer's time while ingesting (bench/README).
 */
export const reservedFieldAccepts: Readonly<Record<(typeof RESERVED_FIELDS)[number], (value: unknown) => boolean>> = {
  event_id: (value) => typeof value === 'string' && UUID.test(value),
  user_id: (value) =>
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= USER_ID_MAX_LENGTH &&
    !WHITESPACE_OR_CONTROL.test(value) &&
    value !== '.' &&
    value !== '..' &&
    value.isWellFormed(),
  timestamp: (value) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIMESTAMP_MS,
};
