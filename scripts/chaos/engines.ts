import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { type OwnKafka, startOwnKafka } from '../../tests/support/own-kafka.js';
import { type OwnRedis, startOwnRedis } from '../../tests/support/own-redis.js';
import { type ReplicatedInfra, startReplicatedInfra } from '../../tests/support/replicated.js';
import type { Topology } from './schedule.ts';

/**
 * Kafka and Redis of one chaos run, in either topology, on free ports in folders of their own, with
 * what the nemesis does to them: kill (SIGKILL) and start again, freeze (SIGSTOP) and thaw, and for the
 * replicated topology a Sentinel failover. Targets: 'kafka' and 'redis' (single), 'kafka-1'…'kafka-3'
 * and 'redis-primary' (replicated: whichever node is primary when the fault starts).
 */
export interface Engines {
  topology: Topology;
  /** KAFKA_BROKERS, and what the services need to find Redis. */
  brokers: string;
  serviceEnv: Record<string, string>;
  /** Ports a partition from Kafka or from Redis cuts (Sentinels included). */
  ports: { kafka: number[]; redis: number[] };
  kafka(): Kafka;
  /** A client of the current Redis primary (through the Sentinels when replicated). */
  redis(): Redis;
  kill(target: string): Promise<() => Promise<void>>;
  pause(target: string): Promise<() => Promise<void>>;
  failover(): Promise<void>;
  remove(): Promise<void>;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone: the heal starts it again.
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
  return new Kafka({ clientId: 'chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

async function singleEngines(): Promise<Engines> {
  const kafka: OwnKafka = await startOwnKafka();
  const redis: OwnRedis = await startOwnRedis();
  const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 2, retryStrategy: () => 200 });
  client.on('error', () => {});
  return {
    topology: 'single',
    brokers: kafka.brokers,
    serviceEnv: { REDIS_URL: redis.url },
    ports: { kafka: [Number(kafka.brokers.split(':')[1])], redis: [redis.port] },
    kafka: () => kafkaClient(kafka.brokers),
    redis: () => client,
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
        return async () => signal(pid, 'SIGCONT');
      }
      redis.freeze();
      return async () => redis.thaw();
    },
    async failover() {},
    async remove() {
      client.disconnect();
      await Promise.allSettled([kafka.remove(), redis.remove()]);
    },
  };
}

async function replicatedEngines(): Promise<Engines> {
  const infra: ReplicatedInfra = await startReplicatedInfra();
  const [host, port] = infra.sentinels.split(',')[0]!.split(':') as [string, string];
  const sentinels = infra.sentinels.split(',').map((s) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) }));
  const client = new Redis({ sentinels, name: infra.sentinelName, maxRetriesPerRequest: 2, sentinelRetryStrategy: () => 200 });
  client.on('error', () => {});
  const node = (target: string) => Number(target.replace('kafka-', ''));
  return {
    topology: 'replicated',
    brokers: infra.brokers,
    serviceEnv: { REDIS_SENTINELS: infra.sentinels, REDIS_SENTINEL_NAME: infra.sentinelName, REDIS_WAIT_REPLICAS: '1' },
    ports: { kafka: infra.brokers.split(',').map((b) => Number(b.split(':')[1])), redis: infra.redisPorts },
    kafka: () => kafkaClient(infra.brokers),
    redis: () => client,
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
      return async () => signal(pid, 'SIGCONT');
    },
    async failover() {
      const sentinel = new Redis(Number(port), host, { maxRetriesPerRequest: 1 });
      try {
        await sentinel.call('SENTINEL', 'FAILOVER', infra.sentinelName);
      } finally {
        sentinel.disconnect();
      }
    },
    async remove() {
      client.disconnect();
      await infra.remove();
    },
  };
}

export function startEngines(topology: Topology): Promise<Engines> {
  return topology === 'single' ? singleEngines() : replicatedEngines();
}
