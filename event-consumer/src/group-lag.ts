import type { Admin } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  lag: number;
}

/**
 * Records each partition holds past the group's committed offset: the high watermark minus the
 * committed offset (or minus the earliest offset when the group has committed nothing, since a new
 * group starts there). Read from Kafka, so it keeps growing while writes fail — unlike a figure
 * taken from the last batch that succeeded.
 */
export async function readGroupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committed = new Map((groups[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends
    .map(({ partition, high, low }) => {
      const offset = committed.get(partition) ?? -1;
      return { partition, lag: Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low))) };
    })
    .sort((a, b) => a.partition - b.partition);
}
