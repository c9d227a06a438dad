import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument } from './asyncapi.js';
import { DLQ_TOPIC, EVENTS_TOPIC } from './names.js';

describe("the topics' AsyncAPI document", () => {
  it('is valid AsyncAPI 3 by the AsyncAPI parser, naming both topics, the key and the consumer group', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    // Severity 0 is an error; hints and warnings (1–3) are style.
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual([EVENTS_TOPIC, DLQ_TOPIC]);
    const text = JSON.stringify(asyncApiDocument());
    expect(text).toContain('"enum":["event-consumer"]');
    expect(text).toContain('"required":["event_id","user_id","timestamp"]');
    expect(text).toContain('"dlq-reason"');
  });
});
