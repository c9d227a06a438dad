import { execFile, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  bucketKeys,
  bucketOf,
  EVENTS_TOPIC,
  eventIdBytes,
  redisKeys,
  streamKeysInCluster,
} from '@eventstreamapp/event-schema';
import { type Cluster, Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type KafkaNodes, startKafkaNodes } from '../../tests/support/kafka-nodes.js';
import { type OwnKafka, startOwnKafka } from '../../tests/support/own-kafka.js';
import { type OwnRedis, startOwnRedis } from '../../tests/support/own-redis.js';
import { type OwnRedisCluster, startOwnRedisCluster } from '../../tests/support/own-redis-cluster.js';
import { REPO_ROOT } from '../../tests/support/paths.js';
import { type ReplicatedInfra, startReplicatedInfra } from '../../tests/support/replicated.js';
import type { Topology } from './schedule.ts';

/**
 * Kafka and Redis of one chaos run, in either topology, on free ports in folders of their own, with
 * what the nemesis does to them: kill (SIGKILL) and start again, freeze (SIGSTOP) and thaw, and for the
 * replicated topology a Sentinel failover. Targets: 'kafka' and 'redis' (single), 'kafka-1'…'kafka-3'
 * and 'redis-primary' (replicated: whichever node is primary when the fault starts), 'kafka-1'…'kafka-3'
 * and 'redis-master-1'…'redis-master-3' (cluster: the masters of the moment by port; the cluster promotes
 * the replica of one that is lost).
 */
export interface Engines {
  topology: Topology;
  /** KAFKA_BROKERS, and what the services need to find Redis. */
  brokers: string;
  serviceEnv: Record<string, string>;
  /** Ports a partition from Kafka or from Redis cuts (Sentinels included). */
  ports: { kafka: number[]; redis: number[] };
  kafka(): Kafka;
  /** A client of the current Redis primary (through the Sentinels when replicated), or of the cluster. */
  redis(): Redis | Cluster;
  /** Where the run's events are stored in this topology's keys. */
  store: StoreKeys;
  kill(target: string): Promise<() => Promise<void>>;
  pause(target: string): Promise<() => Promise<void>>;
  failover(): Promise<void>;
  /** Fills the engine's disk (single topology); the heal frees it and starts the engine if it stopped. */
  fillDisk(target: string): Promise<() => Promise<void>>;
  /** Moves the leaders of `events` (replicated topology): a reassignment, then back and an election at the heal. */
  moveLeaders(): Promise<() => Promise<void>>;
  remove(): Promise<void>;
}

/** The keys the checker reads: one log, stream and index on one node; buckets and a tagged stream on a cluster. */
export interface StoreKeys {
  /** The log key an event is stored in, by its event_id. */
  logKeyOf(eventId: string): string;
  logKeys: string[];
  stream: string;
  /** The consumer's dedup index: its keys, or a prefix whose keys are found by SCAN (one node). */
  dedup: { keys: string[]; scanPrefix?: string };
}

const KEYS = redisKeys();

const ONE_NODE_KEYS: StoreKeys = {
  logKeyOf: () => KEYS.eventLog,
  logKeys: [KEYS.eventLog],
  stream: KEYS.eventStream,
  dedup: { keys: [KEYS.eventIds], scanPrefix: `${KEYS.eventIds}:` },
};

/** The cluster topology's keys with the services' default bucket count (REDIS_CLUSTER_BUCKETS unset). */
function clusterKeys(count = 12): StoreKeys {
  const buckets = bucketKeys(KEYS, count);
  return {
    logKeyOf: (id) => buckets[bucketOf(eventIdBytes(id), count)]!.eventLog,
    logKeys: buckets.map((b) => b.eventLog),
    stream: streamKeysInCluster(KEYS).stream,
    dedup: { keys: buckets.map((b) => b.eventIds) },
  };
}

/** Signals an engine's process; one that is gone is an error, so that a fault on it is not counted as applied. */
const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch (err) {
    throw new Error(`process ${pid} could not be sent ${name}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
};
/** A heal's signal: the process may have gone meanwhile, and the final heal starts it again. */
const signalIfThere = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Gone: nothing to thaw.
  }
};

async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function kafkaClient(brokers: string): Kafka {
  return new Kafka({
    clientId: 'chaos',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
}

/** A size-limited tmpfs of its own (root): what a `diskfull` fault fills. */
interface SmallDisk {
  dir: string;
  /** Takes every free byte; returns the heal, which gives them back. */
  fill(): () => void;
  remove(): void;
}

function smallDisk(megabytes: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'eventstreamapp-chaos-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0755`, 'tmpfs', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return {
    dir,
    fill() {
      const filler = join(dir, 'chaos-filler');
      const { bavail, bsize } = statfsSync(dir);
      // Allocated, not sparse: tmpfs hands the pages out now. The last megabyte is written until the
      // file system refuses, so the engine's next write gets ENOSPC whatever tmpfs rounds.
      execFileSync('fallocate', ['-l', String(Math.max(0, bavail * bsize - 1024 * 1024)), filler], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const fd = openSync(filler, 'a');
      try {
        for (const size of [65_536, 4_096, 1]) {
          const chunk = Buffer.alloc(size);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
      return () => rmSync(filler, { force: true });
    },
    remove() {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmdirSync(dir);
    },
  };
}

const unsupported = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} is not a fault of this topology`);
};

async function singleEngines(options: EngineOptions): Promise<Engines> {
  // A broker's log directory and Redis' append-only file on disks of their own, sized so that filling
  // them is quick and the run's own data (a few MB) never does.
  const disks = options.smallDisks ? { kafka: smallDisk(512), redis: smallDisk(128) } : undefined;
  const kafka: OwnKafka = await startOwnKafka(disks ? { dir: disks.kafka.dir } : {});
  const redis: OwnRedis = await startOwnRedis(disks ? { dir: disks.redis.dir } : {});
  const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 2, retryStrategy: () => 200 });
  client.on('error', () => {});
  return {
    topology: 'single',
    brokers: kafka.brokers,
    serviceEnv: { REDIS_URL: redis.url },
    ports: { kafka: [Number(kafka.brokers.split(':')[1])], redis: [redis.port] },
    kafka: () => kafkaClient(kafka.brokers),
    redis: () => client,
    store: ONE_NODE_KEYS,
    async kill(target) {
      if (target === 'kafka') {
        const pid = kafka.pid();
        signal(pid, 'SIGKILL');
        await exited(pid);
        return () => kafka.start();
      }
      await redis.stop(true);
      return () => redis.start();
    },
    async pause(target) {
      if (target === 'kafka') {
        const pid = kafka.pid();
        signal(pid, 'SIGSTOP');
        return async () => signalIfThere(pid, 'SIGCONT');
      }
      redis.freeze();
      return async () => redis.thaw();
    },
    async failover() {},
    async fillDisk(target) {
      if (!disks) throw new Error('the engines were started without small disks');
      const engine = target === 'kafka' ? kafka : redis;
      const free = disks[target === 'kafka' ? 'kafka' : 'redis'].fill();
      return async () => {
        free();
        // A broker whose only log directory failed halts; Redis exits on an append-only write it cannot
        // make under appendfsync always. Either is started again on what its disk kept. A write that failed
        // just before the space came back can still stop it a moment later (a 10-minute run lost its broker
        // for 110 s so): it is looked at again after a few seconds.
        for (const wait of [0, 3_000]) {
          await new Promise((r) => setTimeout(r, wait));
          if (!engine.alive()) await engine.start();
        }
      };
    },
    moveLeaders: unsupported('moving leaders'),
    async remove() {
      client.disconnect();
      await Promise.allSettled([kafka.remove(), redis.remove()]);
      if (disks) for (const disk of Object.values(disks)) disk.remove();
    },
  };
}

/**
 * Moves every leader of `events`: each partition reassigned to its replicas but its leader (leadership
 * moves, one replica is dropped), and at the heal reassigned back and, once that is done, a preferred
 * leader election with Kafka's own tool, so that leadership moves again while the load runs.
 */
async function moveLeadersOf(kafka: Kafka, brokers: string): Promise<() => Promise<void>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = (await admin.fetchTopicMetadata({ topics: [EVENTS_TOPIC] })).topics;
    const original = topic!.partitions.map((p) => ({ partition: p.partitionId, replicas: p.replicas }));
    const moved = topic!.partitions.map((p) => ({
      partition: p.partitionId,
      replicas: p.replicas.filter((r) => r !== p.leader),
    }));
    await admin.alterPartitionReassignments({ topics: [{ topic: EVENTS_TOPIC, partitionAssignment: moved }] });
    const leaders = new Map(topic!.partitions.map((p) => [p.partitionId, p.leader]));
    await leadersWhere(admin, (partition, leader) => leader !== leaders.get(partition), 'moved off the old leaders');
    return async () => {
      try {
        await admin.alterPartitionReassignments({ topics: [{ topic: EVENTS_TOPIC, partitionAssignment: original }] });
        for (let i = 0; i < 60; i++) {
          const { topics } = await admin.listPartitionReassignments({
            topics: [{ topic: EVENTS_TOPIC, partitions: original.map((p) => p.partition) }],
          });
          if (topics.every((t) => t.partitions.length === 0)) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        // The preferred leader may be a broker another fault has down: the election is tried again until it
        // is back (a kill or a pause lasts 12 s at most), five times over about 45 s.
        const preferred = new Map(original.map((p) => [p.partition, p.replicas[0]]));
        const back = (partition: number, leader: number) => leader === preferred.get(partition);
        for (let attempt = 1; ; attempt++) {
          try {
            await preferredElection(
              brokers,
              original.map((p) => p.partition),
            );
            await leadersWhere(admin, back, 'back on the preferred leaders', 5_000);
            break;
          } catch (err) {
            if (attempt === 5) throw err;
            await new Promise((r) => setTimeout(r, 2_000));
          }
        }
      } finally {
        await admin.disconnect();
      }
    };
  } catch (err) {
    await admin.disconnect();
    throw err;
  }
}

/**
 * Waits (15 s unless said) until every partition's leader passes `test`: a fault is applied only once it took effect.
 */
async function leadersWhere(
  admin: Admin,
  test: (partition: number, leader: number) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const [topic] = (await admin.fetchTopicMetadata({ topics: [EVENTS_TOPIC] })).topics;
    if (topic!.partitions.every((p) => test(p.partitionId, p.leader))) return;
    if (Date.now() > deadline)
      throw new Error(`the leaders of ${EVENTS_TOPIC} were not ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Kafka's LeaderElectionCommand, preferred, for these partitions of `events` (kafkajs has no ElectLeaders). */
async function preferredElection(brokers: string, partitions: number[]): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'eventstreamapp-election-')), 'partitions.json');
  writeFileSync(
    file,
    JSON.stringify({ partitions: partitions.map((partition) => ({ topic: EVENTS_TOPIC, partition })) }),
  );
  try {
    await promisify(execFile)(
      'java',
      [
        '-cp',
        join(REPO_ROOT, '.local/kafka-lib/4.4.0/*'),
        'org.apache.kafka.tools.LeaderElectionCommand',
        '--bootstrap-server',
        brokers,
        '--election-type',
        'PREFERRED',
        '--path-to-json-file',
        file,
      ],
      { timeout: 60_000 },
    );
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
}

async function replicatedEngines(): Promise<Engines> {
  const infra: ReplicatedInfra = await startReplicatedInfra();
  const [host, port] = infra.sentinels.split(',')[0]!.split(':') as [string, string];
  const sentinels = infra.sentinels.split(',').map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }));
  const client = new Redis({
    sentinels,
    name: infra.sentinelName,
    maxRetriesPerRequest: 2,
    sentinelRetryStrategy: () => 200,
  });
  client.on('error', () => {});
  const node = (target: string) => Number(target.replace('kafka-', ''));
  return {
    topology: 'replicated',
    brokers: infra.brokers,
    serviceEnv: { REDIS_SENTINELS: infra.sentinels, REDIS_SENTINEL_NAME: infra.sentinelName, REDIS_WAIT_REPLICAS: '1' },
    ports: { kafka: infra.brokers.split(',').map((b) => Number(b.split(':')[1])), redis: infra.redisPorts },
    kafka: () => kafkaClient(infra.brokers),
    redis: () => client,
    store: ONE_NODE_KEYS,
    async kill(target) {
      if (target.startsWith('kafka-')) {
        await infra.killBroker(node(target));
        return () => infra.startBroker(node(target));
      }
      const { node: primary } = await infra.redisPrimary();
      await infra.killRedis(primary);
      return () => infra.startRedis(primary);
    },
    async pause(target) {
      const pid = target.startsWith('kafka-')
        ? await infra.brokerPid(node(target))
        : await infra.redisPid((await infra.redisPrimary()).node);
      signal(pid, 'SIGSTOP');
      return async () => signalIfThere(pid, 'SIGCONT');
    },
    async failover() {
      const sentinel = new Redis(Number(port), host, { maxRetriesPerRequest: 1 });
      try {
        await sentinel.call('SENTINEL', 'FAILOVER', infra.sentinelName);
      } finally {
        sentinel.disconnect();
      }
    },
    fillDisk: unsupported('a full disk'),
    moveLeaders: () => moveLeadersOf(kafkaClient(infra.brokers), infra.brokers),
    async remove() {
      client.disconnect();
      await infra.remove();
    },
  };
}

/**
 * The cluster topology: three KRaft nodes and a Redis Cluster of three masters and three replicas. A fault on
 * 'redis-master-N' takes the N-th master of the moment by port; its heal starts or thaws the node and waits
 * until the cluster is whole again (the old master back as a replica in sync). Two masters lost at once leave
 * the last one no majority to promote a replica with: their slots wait for the heals, as a real cluster would.
 */
async function clusterEngines(): Promise<Engines> {
  const dir = mkdtempSync(join(tmpdir(), 'eventstreamapp-chaos-cluster-'));
  let kafka: KafkaNodes | undefined;
  let redis: OwnRedisCluster | undefined;
  try {
    [kafka, redis] = await Promise.all([startKafkaNodes(dir, {}), startOwnRedisCluster()]);
  } catch (err) {
    await Promise.allSettled([kafka?.remove(), redis?.remove()]);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const [nodes, brokers] = [redis, kafka];
  const client = nodes.client();
  client.on('error', () => {});
  const broker = (target: string) => Number(target.replace('kafka-', ''));
  // While a lost master's replica is not promoted yet the cluster has two: the N-th is then counted round.
  const masterOf = async (target: string) => {
    const masters = await nodes.masters();
    if (masters.length === 0) throw new Error(`${target}: the cluster names no master`);
    return masters[(Number(target.replace('redis-master-', '')) - 1) % masters.length]!;
  };
  return {
    topology: 'cluster',
    brokers: brokers.brokers,
    serviceEnv: { REDIS_CLUSTER_NODES: nodes.nodes.join(','), REDIS_WAIT_REPLICAS: '1' },
    ports: {
      kafka: brokers.brokers.split(',').map((b) => Number(b.split(':')[1])),
      redis: nodes.nodes.map((n) => Number(n.split(':')[1])),
    },
    kafka: () => kafkaClient(brokers.brokers),
    redis: () => client,
    store: clusterKeys(),
    async kill(target) {
      if (target.startsWith('kafka-')) {
        await brokers.killBroker(broker(target));
        return () => brokers.startBroker(broker(target));
      }
      const master = await masterOf(target);
      await nodes.kill(master);
      return async () => {
        await nodes.restart(master);
        await nodes.ready();
      };
    },
    async pause(target) {
      if (target.startsWith('kafka-')) {
        const pid = await brokers.brokerPid(broker(target));
        signal(pid, 'SIGSTOP');
        return async () => signalIfThere(pid, 'SIGCONT');
      }
      const pid = await nodes.pid(await masterOf(target));
      signal(pid, 'SIGSTOP');
      return async () => {
        signalIfThere(pid, 'SIGCONT');
        await nodes.ready();
      };
    },
    failover: unsupported('a Sentinel failover'),
    fillDisk: unsupported('a full disk'),
    moveLeaders: () => moveLeadersOf(kafkaClient(brokers.brokers), brokers.brokers),
    async remove() {
      client.disconnect();
      await Promise.allSettled([brokers.remove(), nodes.remove()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EngineOptions {
  /** The single topology's engines on size-limited tmpfs disks of their own (root), for `diskfull`. */
  smallDisks?: boolean;
}

export function startEngines(topology: Topology, options: EngineOptions = {}): Promise<Engines> {
  if (topology === 'cluster') return clusterEngines();
  return topology === 'single' ? singleEngines(options) : replicatedEngines();
}
