import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize.js';
import { publishBodySchema, publishedEventSchema } from './publish-body.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const normalize = (input: unknown) => normalizeEvent(input, { now: () => NOW });

// The document must never call an event invalid that the server takes (a fuzzer would then see a "negative"
// example accepted), and what it calls invalid the server must refuse.
const reserved = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.uuid(),
  fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01', '2026-02-30T00:00:00+01:00', 'not a date', '', 'a b'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const event = fc
  .record({ event_id: reserved, user_id: reserved, timestamp: reserved, action: fc.string() }, { requiredKeys: [] })
  .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)));

describe('the publish body schema (the contract in the OpenAPI document)', () => {
  it('accepts every event the server accepts: what it calls invalid, the server refuses', () => {
    fc.assert(
      fc.property(event, (e) => {
        const server = normalize(e).ok;
        const schema = publishedEventSchema.safeParse(e).success;
        expect(server && !schema, JSON.stringify(e)).toBe(false);
      }),
      { numRuns: 2_000, seed: 4601 },
    );
  });

  it('takes one event or a non-empty array of at most the bulk limit, nothing else', () => {
    const body = publishBodySchema(2);
    expect(body.safeParse({ action: 'a' }).success).toBe(true);
    expect(body.safeParse([{}, { user_id: 7 }]).success).toBe(true);
    expect(body.safeParse([]).success).toBe(false);
    expect(body.safeParse([{}, {}, {}]).success).toBe(false);
    expect(body.safeParse('event').success).toBe(false);
    expect(body.safeParse({ event_id: 'not-a-uuid' }).success).toBe(false);
    expect(body.safeParse({ timestamp: -1 }).success).toBe(false);
    expect(body.safeParse({ user_id: 'x'.repeat(129) }).success).toBe(false);
  });
});
