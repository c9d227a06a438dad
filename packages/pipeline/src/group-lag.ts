import { type PartitionEnds, topicEnds } from '@eventstreamapp/service-kit';
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  lag: number;
}

/**
 * Where the group resumes in each partition: its committed offset, or — for a partition it never
 * committed — the earliest record kept, since a new group starts there (auto.offset.reset earliest).
 */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
  ends: PartitionEnds[],
): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return new Map(
    ends.map((p) => {
      const offset = committed.get(p.partition) ?? -1;
      return [p.partition, offset < 0 ? p.low : offset];
    }),
  );
}

/** The group's lag in records, per partition: the high watermark minus where the group resumes (never below 0). */
export function recordsBehind(ends: PartitionEnds[], committed: Map<number, number>): PartitionLag[] {
  return ends.map((p) => ({
    partition: p.partition,
    lag: Math.max(0, p.high - (committed.get(p.partition) ?? p.low)),
  }));
}

/**
 * The group's lag read from Kafka, per partition in order — so it keeps growing while the group's writes
 * fail, unlike a figure taken from the last batch that succeeded. The consumer's consumer_lag and the
 * viewer's kafka_group_lag_records are both this.
 */
export async function readGroupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const ends = await topicEnds(admin, topic);
  return recordsBehind(ends, await committedOffsets(admin, groupId, topic, ends));
}
