import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { type Backoff, backoffDelay } from '../process/retry.js';
import { ServiceError } from '../process/service-error.js';

/** Reconnecting to Redis or its Sentinels: soon after a blip, every 2 s at most while it is away. */
const RECONNECT: Backoff = { initialDelayMs: 200, maxDelayMs: 2_000 };

const hostPort = /^[^\s:,]+:\d{1,5}$/;

/** A comma-separated list of host:port pairs, as an array. */
const hostPortList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((p) => hostPort.test(p)), 'must be host:port[,host:port…]');

const asHostPort = (p: string) => {
  const [host, port] = p.split(':');
  return { host: host!, port: Number(port) };
};

/**
 * Where a service finds Redis: one URL, the primary that Sentinels name (replicated topology), or a
 * Redis Cluster (cluster topology).
 */
export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_SENTINELS: hostPortList.optional(),
  /**
   * The cluster topology: some of a Redis Cluster's nodes (the client learns the rest); REDIS_URL and the
   * Sentinels are then unused.
   */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /**
   * How many buckets the cluster topology splits the log into (cluster-buckets.ts): a multiple of the
   * masters spreads writes evenly. Part of the stored format: every service of one deployment must agree.
   */
  REDIS_CLUSTER_BUCKETS: z.coerce.number().int().min(1).max(1_024).default(12),
  REDIS_SENTINEL_NAME: z.string().min(1).default('eventstreamapp'),
  /** Redis' requirepass, and the Sentinels' (README "Security"); a password in REDIS_URL works too. */
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_KEY_PREFIX: z.string().default(''),
  /** A command with no answer by then fails (the consumer retries; the viewer and the generator answer 503). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
};

export interface RedisAddress {
  REDIS_URL: string;
  REDIS_SENTINELS?: string[] | undefined;
  REDIS_CLUSTER_NODES?: string[] | undefined;
  REDIS_SENTINEL_NAME: string;
  REDIS_PASSWORD?: string | undefined;
}

export interface RedisClientOptions {
  connectionName: string;
  /**
   * Commands fail at once while disconnected instead of queueing without limit, and a Redis that
   * hangs with its connections open fails them after this long: callers retry or answer 503.
   * Undefined: commands wait (a subscriber's blocking reads, which must survive reconnects).
   */
  commandTimeoutMs?: number;
}

/**
 * A Redis client for the address. Behind Sentinel it follows failovers: it asks the Sentinels for
 * the primary on every (re)connect, and reconnects when a write meets READONLY — the node it holds
 * was demoted to a replica.
 */
export function createRedisClient(address: RedisAddress, options: RedisClientOptions): Redis {
  const failFast = options.commandTimeoutMs !== undefined;
  const common: RedisOptions = {
    connectionName: options.connectionName,
    lazyConnect: true,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    ...(failFast ? { commandTimeout: options.commandTimeoutMs } : {}),
    connectTimeout: 3_000,
    retryStrategy: (attempt) => backoffDelay(attempt, RECONNECT),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    // Options win over the URL's: REDIS_PASSWORD over a password in REDIS_URL.
    ...(address.REDIS_PASSWORD ? { password: address.REDIS_PASSWORD } : {}),
  };
  if (!address.REDIS_SENTINELS) return reconnectUnlessClosed(new Redis(address.REDIS_URL, common));
  const url = new URL(address.REDIS_URL);
  const password = address.REDIS_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const client = new Redis({
    ...common,
    sentinels: address.REDIS_SENTINELS.map(asHostPort),
    name: address.REDIS_SENTINEL_NAME,
    // One password for the primary, its replica and the Sentinels (infra/redis/replicated.sh).
    ...(password ? { password, sentinelPassword: password } : {}),
    sentinelRetryStrategy: (attempt) => backoffDelay(attempt, RECONNECT),
    failoverDetector: true,
  });
  return reconnectUnlessClosed(client);
}

/** Sentinels and a cluster are two topologies: a configuration naming both is a mistake, said at start-up. */
export function redisAddressIssue(address: RedisAddress): string | undefined {
  return address.REDIS_SENTINELS && address.REDIS_CLUSTER_NODES
    ? 'set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both'
    : undefined;
}

/**
 * A client of a Redis Cluster (the cluster topology), with the failure behaviour of createRedisClient: it
 * follows MOVED and ASK, refreshes its map of slots when a master fails over, and reconnects with the same
 * backoff; commands fail fast while the cluster is away when `commandTimeoutMs` is set.
 */
function createClusterClient(address: RedisAddress, options: RedisClientOptions): Cluster {
  const failFast = options.commandTimeoutMs !== undefined;
  const url = new URL(address.REDIS_URL);
  const password = address.REDIS_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
  return new Cluster((address.REDIS_CLUSTER_NODES ?? []).map(asHostPort), {
    lazyConnect: true,
    enableOfflineQueue: !failFast,
    clusterRetryStrategy: (attempt) => backoffDelay(attempt, RECONNECT),
    // A failover takes the cluster about its node timeout (2 s here) plus an election: retried meanwhile.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2_000,
    redisOptions: {
      connectionName: options.connectionName,
      connectTimeout: 3_000,
      maxRetriesPerRequest: failFast ? 1 : null,
      ...(failFast ? { commandTimeout: options.commandTimeoutMs } : {}),
      ...(password ? { password } : {}),
    },
  });
}

/** The client for where the address points: a Redis Cluster when it names one, else one Redis (or its Sentinels). */
export function createStoreClient(address: RedisAddress, options: RedisClientOptions): Redis | Cluster {
  return address.REDIS_CLUSTER_NODES ? createClusterClient(address, options) : createRedisClient(address, options);
}

const RECONNECT_AFTER_END_MS = 500;

/**
 * ioredis gives a client up for good ("Connection is closed." ever after) when its connector is
 * disconnected while it reconnects: a Sentinel's +switch-master notice arriving mid-reconnect does
 * that (the failover tests saw a viewer stuck so; ioredis issue #1683 reports the same). Whatever the
 * cause, a client ends here only when its owner closes it; otherwise it connects again.
 */
function reconnectUnlessClosed(client: Redis): Redis {
  let closing = false;
  const quit = client.quit.bind(client);
  const disconnect = client.disconnect.bind(client);
  client.quit = ((...args: Parameters<Redis['quit']>) => {
    closing = true;
    return quit(...args);
  }) as Redis['quit'];
  client.disconnect = (reconnect = false) => {
    if (!reconnect) closing = true;
    disconnect(reconnect);
  };
  client.on('end', () => {
    if (closing) return;
    setTimeout(() => {
      if (!closing && client.status === 'end') client.connect().catch(() => {});
    }, RECONNECT_AFTER_END_MS).unref();
  });
  return client;
}

/** The error replies that mean "Redis is up and refuses this": OOM, WRONGTYPE, READONLY, BUSY, … */
function isReply(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ReplyError';
}

/**
 * A Redis failure as a ServiceError with a short message: a refused command (the reply's first
 * words, e.g. "OOM command not allowed…") told apart from a connection that is gone or silent.
 * The raw ioredis error carries the command's arguments — whole events — and is kept only as cause.
 */
export function redisFailure(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  const previous = (err as { previousErrors?: unknown[] })?.previousErrors?.[0];
  const root = previous ?? err;
  const message = (root instanceof Error ? root.message : String(root)).split('\n')[0]!.slice(0, 200);
  if (isReply(root) && message.startsWith('OOM')) {
    return new ServiceError('redis_full', `Redis is full (maxmemory reached, nothing evicted): ${message}`, {
      retryable: true,
      cause: err,
    });
  }
  // WRONGTYPE, NOPERM, a script error: the same command will be refused again until someone acts.
  if (isReply(root))
    return new ServiceError('redis_refused', `Redis refused the write: ${message}`, { retryable: false, cause: err });
  return new ServiceError('redis_unavailable', `Redis is unavailable: ${message}`, { retryable: true, cause: err });
}

/**
 * Runs Redis commands, turning any failure into the ServiceError redisFailure names: a reader answers 503, never 500.
 */
export async function redisRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw redisFailure(err);
  }
}
