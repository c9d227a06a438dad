import type { Admin } from 'kafkajs';

/** One partition's offsets: `low` is its oldest kept record, `high` the offset its next record gets. */
export interface PartitionEnds {
  partition: number;
  low: number;
  high: number;
}

export async function topicEnds(admin: Admin, topic: string): Promise<PartitionEnds[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))
    .sort((a, b) => a.partition - b.partition);
}
