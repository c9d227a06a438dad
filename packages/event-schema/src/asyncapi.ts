import { z } from 'zod';
import { eventSchema } from './event.js';
import { CONSUMER_GROUP, DLQ_TOPIC, EVENTS_TOPIC, EVENTS_TOPIC_PARTITIONS } from './names.js';
import { REJECTION_CODES } from './rejection.js';
import { DLQ_HEADERS } from './store/dead-letter.js';

const KAFKA = { bindingVersion: '0.5.0' };
const USER_KEY = {
  type: 'string',
  description: "the event's user_id: one user's events stay in order on one partition",
};

/** AsyncAPI's default schema format is JSON Schema draft-07 with a few keywords more. */
function draft07(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', unrepresentable: 'any' });
  return rest;
}

const deadLetterHeaders = draft07(
  z.object({
    [DLQ_HEADERS.reason]: z.enum(REJECTION_CODES).describe('why the consumer refused the record'),
    [DLQ_HEADERS.message]: z.string().describe('the refusal in words'),
    [DLQ_HEADERS.topic]: z.string().describe('the topic the record came from'),
    [DLQ_HEADERS.partition]: z.string().describe('its partition, in decimal'),
    [DLQ_HEADERS.offset]: z.string().describe('its offset, in decimal'),
  }),
);

/**
 * The pipeline's topics as AsyncAPI 3: `events` (what the generator sends and the consumer group reads) and the
 * dead-letter topic (records the consumer refused, as they were, with why in headers), from the same event
 * schema the services parse with.
 */
export function asyncApiDocument(): Record<string, unknown> {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'EventStreamApp topics',
      version: '1.0.0',
      description: 'Events flow through `events` into Redis; what cannot be stored goes to the dead-letter topic.',
    },
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'the local runtime (KAFKA_BROKERS)' },
    },
    channels: {
      events: {
        address: EVENTS_TOPIC,
        messages: { event: { $ref: '#/components/messages/event' } },
        bindings: { kafka: { topic: EVENTS_TOPIC, partitions: EVENTS_TOPIC_PARTITIONS, ...KAFKA } },
      },
      deadLetters: {
        address: DLQ_TOPIC,
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
        bindings: { kafka: { topic: DLQ_TOPIC, partitions: EVENTS_TOPIC_PARTITIONS, ...KAFKA } },
      },
    },
    operations: {
      publishEvents: {
        action: 'send',
        summary: 'event-generator and automatic-generator publish events (idempotent producer, acks=all)',
        channel: { $ref: '#/channels/events' },
        messages: [{ $ref: '#/channels/events/messages/event' }],
      },
      storeEvents: {
        action: 'receive',
        summary: 'event-consumer stores each event once in Redis, committing offsets after the write',
        channel: { $ref: '#/channels/events' },
        messages: [{ $ref: '#/channels/events/messages/event' }],
        bindings: { kafka: { groupId: { type: 'string', enum: [CONSUMER_GROUP] }, ...KAFKA } },
      },
      deadLetter: {
        action: 'send',
        summary: 'event-consumer sends a record it cannot store here, and goes on',
        channel: { $ref: '#/channels/deadLetters' },
        messages: [{ $ref: '#/channels/deadLetters/messages/deadLetter' }],
      },
    },
    components: {
      messages: {
        event: {
          contentType: 'application/json',
          payload: draft07(eventSchema),
          bindings: { kafka: { key: USER_KEY, ...KAFKA } },
        },
        deadLetter: {
          summary: "the refused record's bytes as they were (not necessarily JSON), and why",
          contentType: 'application/octet-stream',
          headers: deadLetterHeaders,
          payload: { description: 'the original value, byte for byte' },
          bindings: { kafka: { key: { ...USER_KEY, description: "the original record's key, if any" }, ...KAFKA } },
        },
      },
    },
  };
}
