import { deadLetterHeaders } from '@eventstreamapp/event-schema';
import type { Refused } from '@eventstreamapp/pipeline';
import type { Message } from 'kafkajs';

/** The original record, unchanged, with headers saying why it was refused and where it came from. */
export function toDeadLetter(refused: Refused, topic: string, partition: number): Message {
  const { message, rejection } = refused;
  return {
    key: message.key,
    value: message.value,
    headers: { ...message.headers, ...deadLetterHeaders(rejection, { topic, partition, offset: refused.offset }) },
  };
}
