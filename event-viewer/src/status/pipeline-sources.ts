import { idsTakenByBucket } from '@eventstreamapp/event-schema';
import type { Redis } from 'ioredis';
import { type Admin, AssignerProtocol } from 'kafkajs';

/** `INFO` text as a map of its `name:value` lines. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** A replica line of INFO replication: `slave0:ip=…,port=…,state=online,offset=…,lag=0`. */
function replicaOf(value: string) {
  const parts = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
  return { address: `${parts.ip}:${parts.port}`, state: parts.state ?? 'unknown', lagSeconds: Number(parts.lag ?? 0) };
}

/** The group's state and members, with the partitions of `topic` each holds. */
export async function readGroupMembers(admin: Admin, group: string, topic: string) {
  const [described] = (await admin.describeGroups([group])).groups;
  const members = (described?.members ?? []).map((m) => {
    const assignment =
      m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    return {
      id: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      partitions: [...(assignment?.assignment[topic] ?? [])].sort((x, y) => x - y),
    };
  });
  return { id: group, state: described?.state ?? 'Unknown', members };
}

/** The brokers, the controller, and the partitions of `topics` under-replicated or without a leader. */
export async function readCluster(admin: Admin, topics: string[]) {
  const [cluster, metadata] = await Promise.all([admin.describeCluster(), admin.fetchTopicMetadata({ topics })]);
  const partitions = metadata.topics.flatMap((t) => t.partitions);
  return {
    brokers: cluster.brokers
      .map((b) => ({ nodeId: b.nodeId, address: `${b.host}:${b.port}` }))
      .sort((x, y) => x.nodeId - y.nodeId),
    controller: cluster.controller,
    underReplicated: partitions.filter((p) => p.isr.length < p.replicas.length).length,
    offline: partitions.filter((p) => p.leader < 0).length,
  };
}

/** Redis' memory, role and replicas, and the dedup index's per-bucket counts (the stored rate is their growth). */
export async function readRedisStatus(redis: Redis, dedupIndexKey: string) {
  const [memory, replication, dedupIndex] = await Promise.all([
    redis.info('memory'),
    redis.info('replication'),
    redis.hgetall(dedupIndexKey),
  ]);
  const m = infoFields(memory);
  const r = infoFields(replication);
  return {
    status: {
      usedBytes: Number(m.get('used_memory') ?? 0),
      maxBytes: Number(m.get('maxmemory') ?? 0),
      role: r.get('role') === 'master' ? 'primary' : (r.get('role') ?? 'unknown'),
      replicas: [...r.entries()].filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => replicaOf(v)),
      sentinel: redis.options.sentinels !== undefined && redis.options.sentinels !== null,
    },
    storedByBucket: idsTakenByBucket(dedupIndex),
  };
}
