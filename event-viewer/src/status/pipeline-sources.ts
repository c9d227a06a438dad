import { idsTakenByBucket } from '@eventstreamapp/event-schema';
import { Cluster, type Redis } from 'ioredis';
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

/** How many ids each time bucket took, summed over the dedup indexes (the cluster topology has one per log bucket). */
function sumByBucket(indexes: Record<string, string>[]): Map<string, number> {
  const sum = new Map<string, number>();
  for (const index of indexes) {
    for (const [bucket, n] of idsTakenByBucket(index)) sum.set(bucket, (sum.get(bucket) ?? 0) + n);
  }
  return sum;
}

/**
 * Redis' memory, role and replicas, and the dedup index's per-bucket counts (the stored rate is their growth).
 * A Redis Cluster: its masters' memory and budgets summed, and every master's replicas.
 */
export async function readRedisStatus(redis: Redis | Cluster, dedupIndexKeys: string[]) {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const [infos, dedupIndexes] = await Promise.all([
    Promise.all(
      nodes.map(async (node) => ({
        memory: infoFields(await node.info('memory')),
        replication: infoFields(await node.info('replication')),
      })),
    ),
    Promise.all(dedupIndexKeys.map((key) => redis.hgetall(key))),
  ]);
  const sum = (field: string) => infos.reduce((total, { memory }) => total + Number(memory.get(field) ?? 0), 0);
  const role = infos[0]?.replication.get('role');
  const replicas = infos.flatMap(({ replication }) =>
    [...replication.entries()].filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => replicaOf(v)),
  );
  return {
    status: {
      usedBytes: sum('used_memory'),
      maxBytes: sum('maxmemory'),
      role:
        redis instanceof Cluster
          ? `cluster of ${nodes.length} masters`
          : role === 'master'
            ? 'primary'
            : (role ?? 'unknown'),
      replicas,
      sentinel:
        !(redis instanceof Cluster) && redis.options.sentinels !== undefined && redis.options.sentinels !== null,
    },
    storedByBucket: sumByBucket(dedupIndexes),
  };
}
