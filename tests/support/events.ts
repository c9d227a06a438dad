import { type EventRecord, normalizeEvent } from '@eventstreamapp/event-schema';
import { testKafka, uniqueName } from './kafka.js';

/** Schema-valid events for `users` users, with strictly increasing timestamps. */
export function makeEvents(count: number, users: number, base = Date.now() - count): EventRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const result = normalizeEvent({ user_id: `u${i % users}`, seq: i, timestamp: base + i });
    if (!result.ok) throw new Error(result.rejection.message);
    return result.value;
  });
}

export interface RawRecord {
  key?: string;
  value: string | Buffer | null;
}

/** Publishes records straight into a topic (as any producer could), in one request per chunk. */
export async function produce(
  topic: string,
  records: (EventRecord | RawRecord)[],
  chunk = 500,
  brokers?: string,
): Promise<void> {
  const producer = testKafka(uniqueName('producer'), brokers).producer();
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += chunk) {
      await producer.send({
        topic,
        acks: -1,
        messages: records
          .slice(i, i + chunk)
          .map((r) =>
            'event' in r ? { key: r.event.user_id, value: r.json } : { key: r.key ?? null, value: r.value },
          ),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
