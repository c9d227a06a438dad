import { z } from 'zod';

/** A Redis Stream entry id: milliseconds and a sequence number (where the live feed resumes). */
export const streamIdSchema = z
  .string()
  .regex(/^\d{1,16}-\d{1,16}$/, '(or Last-Event-ID) must be a stream id such as 1764288000000-0')
  .meta({ description: 'a live-stream entry id: resume after it' });

/** Orders two stream ids as Redis does: by milliseconds, then by sequence. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}
