import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, describeError, type Logger, retryUntilStopped } from '@eventstreamapp/service-kit';
import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { Config } from './config.js';

/** Crashes in a row, without a join between them, after which the group member is replaced. */
const MEMBER_RENEWAL_CRASHES = 2;
/** The wait before a renewal that follows another with no join between them: the group is not to be had yet. */
const RENEWAL_BACKOFF = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

export interface GroupMemberOptions {
  config: Pick<
    Config,
    | 'KAFKA_GROUP_ID'
    | 'KAFKA_TOPIC'
    | 'KAFKA_SESSION_TIMEOUT_MS'
    | 'KAFKA_MAX_BYTES_PER_PARTITION'
    | 'KAFKA_FETCH_MIN_BYTES'
    | 'KAFKA_FETCH_MAX_WAIT_MS'
    | 'KAFKA_FETCH_GATHER_MS'
  >;
  kafka: Kafka;
  logger: Logger;
  /** Aborted on SIGTERM: no member is restarted or replaced after it. */
  stopping: AbortSignal;
  /** Connects, subscribes and runs a member (rejects while Kafka is unreachable: it is tried again). */
  run: (member: Consumer) => Promise<void>;
  /** A crash kafkajs will not restart from and that is not a renewal: the process exits, its supervisor starts anew. */
  onFatal: (err: Error) => void;
}

/**
 * The fetch sizes (config.ts, KAFKA_FETCH_GATHER_MS): answered at the first record when the previous fetch was
 * empty, gathering while records flow — `fetchWhileBusy` is our patch of kafkajs (patches/README.md).
 */
export function fetchSizing(
  config: Pick<Config, 'KAFKA_FETCH_MIN_BYTES' | 'KAFKA_FETCH_MAX_WAIT_MS' | 'KAFKA_FETCH_GATHER_MS'>,
): Pick<ConsumerConfig, 'minBytes' | 'maxWaitTimeInMs' | 'fetchWhileBusy'> {
  if (config.KAFKA_FETCH_GATHER_MS === 0)
    return { minBytes: config.KAFKA_FETCH_MIN_BYTES, maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS };
  return {
    minBytes: 1,
    maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    fetchWhileBusy: { minBytes: config.KAFKA_FETCH_MIN_BYTES, maxWaitTime: config.KAFKA_FETCH_GATHER_MS },
  };
}

/** The member's consumer settings: the group's, the fetch sizes, and kafkajs' own retry with `restartOnFailure`. */
function consumerConfig(
  config: GroupMemberOptions['config'],
  restartOnFailure: () => Promise<boolean>,
): ConsumerConfig {
  return {
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    // A third of the session, as Kafka advises: two heartbeats may be lost before the member is.
    heartbeatInterval: Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3),
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
    ...fetchSizing(config),
    allowAutoTopicCreation: false,
    // kafkajs' own default for a consumer (it does not take the client's retries), with one change: it asks.
    retry: { retries: 5, restartOnFailure },
  };
}

/**
 * kafkajs gives up on a group coordinator, as not retriable, when no broker answered its FindCoordinator in time
 * (refused, closed, timed out: it swallows each broker's error). That is a broker away, not a fault of ours: the
 * member is replaced and keeps trying, as after any outage, instead of the process exiting to its supervisor.
 */
function noBrokerAnswered(err: Error): boolean {
  return err.name === 'KafkaJSGroupCoordinatorNotFound';
}

/**
 * Kafka may come up after us (a fresh stack, a broker restart): keep trying instead of exiting, for as long as
 * `attempt` is for the process's current member (it does nothing for a replaced one).
 */
function keepTrying(attempt: () => Promise<void>, stopping: AbortSignal, logger: Logger): Promise<unknown> {
  return retryUntilStopped(attempt, {
    signal: stopping,
    maxDelayMs: 5_000,
    onRetry: (err, retryInMs) =>
      logger.warn({ event: 'kafka.unreachable', reason: describeError(err), retryInMs }, 'Kafka not reachable yet'),
  });
}

/** The waits between renewals: none for the first since a join, as after an outage; then RENEWAL_BACKOFF's. */
function renewalPacing() {
  let sinceJoin = 0;
  return {
    joined: () => {
      sinceJoin = 0;
    },
    next: () => ({ waitMs: sinceJoin === 0 ? 0 : backoffDelay(sinceJoin, RENEWAL_BACKOFF), count: ++sinceJoin }),
  };
}

/** Lets a replaced member go, then waits `waitMs` before its successor (unless stopping). */
async function retire(old: Consumer, waitMs: number, stopping: AbortSignal): Promise<void> {
  // kafkajs disconnected it before reporting the crash and will not restart it (restartOnFailure said no).
  await Promise.race([old.disconnect().catch(() => undefined), sleep(5_000)]);
  if (waitMs > 0) await sleep(waitMs, undefined, { signal: stopping }).catch(() => undefined);
}

/**
 * This process's one member of the consumer group, kept one whatever the broker does. Each member made
 * has a generation; only the newest one's events count, and a member replaced is never restarted by
 * kafkajs (restartOnFailure), so a crash reported twice cannot leave two members in one process.
 */
export function createGroupMember({ config, kafka, logger, stopping, run, onFatal }: GroupMemberOptions) {
  let generation = 0;
  let crashesSinceJoin = 0; // since the member last joined its group
  /** Set when the current member's last crash was its MEMBER_RENEWAL_CRASHES-th: replace it, do not restart it. */
  let renewalDue = false;
  const pacing = renewalPacing();
  let joined = false;
  let assigned = new Set<number>(); // the partitions this member holds
  let connecting: Promise<unknown> = Promise.resolve();
  let renewing: Promise<void> | undefined;

  // kafkajs asks before it restarts a crashed member: a replaced or renewing one stays down.
  const newMember = (memberGeneration: number) =>
    kafka.consumer(
      consumerConfig(config, async () => {
        if (memberGeneration !== generation || stopping.aborted) return false;
        crashesSinceJoin++;
        renewalDue = crashesSinceJoin >= MEMBER_RENEWAL_CRASHES;
        return !renewalDue;
      }),
    );
  let consumer = newMember(generation);

  function watch(member: Consumer, memberGeneration: number): void {
    const current = () => memberGeneration === generation;
    member.on(member.events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      joined = true;
      assigned = new Set(payload.memberAssignment[config.KAFKA_TOPIC] ?? []);
      crashesSinceJoin = 0;
      pacing.joined();
      const { memberId, memberAssignment: assignment } = payload;
      logger.info({ event: 'consumer.joined', memberId, assignment }, 'joined the consumer group');
    });
    member.on(member.events.CRASH, ({ payload }) => {
      if (!current()) return;
      joined = false;
      const reason = describeError(payload.error);
      logger.error({ event: 'consumer.crashed', reason, restart: payload.restart }, 'consumer crashed');
      if (payload.restart || stopping.aborted) return;
      if (renewalDue || noBrokerAnswered(payload.error)) renew();
      else onFatal(payload.error);
    });
  }

  const keepConnecting = (member: Consumer, memberGeneration: number) =>
    keepTrying(() => (memberGeneration === generation ? run(member) : Promise.resolve()), stopping, logger);

  /**
   * Replaces the current member; synchronous up to its generation, so a second crash report cannot start another.
   * kafkajs restarts a crashed member on the same client, whose cached brokers and coordinator can stay wrong
   * after a broker dies: it crashed for minutes with "group coordinator is not available" after every broker was
   * back (kafkajs #1630; tests/replicated). A member that keeps crashing, or noBrokerAnswered, is replaced by one on
   * a fresh client, as a restarted process would be.
   */
  function renew(): void {
    const { waitMs, count } = pacing.next();
    const fields = { event: 'consumer.renewed', crashes: crashesSinceJoin, renewalsSinceJoin: count, waitMs };
    logger.warn(fields, 'replacing a crashed group member with one on a fresh client');
    const memberGeneration = ++generation;
    const old = consumer;
    crashesSinceJoin = 0;
    renewalDue = false;
    assigned = new Set();
    const previous = renewing ?? Promise.resolve();
    renewing = (async () => {
      await previous;
      await retire(old, waitMs, stopping);
      if (stopping.aborted || memberGeneration !== generation) return;
      consumer = newMember(memberGeneration);
      watch(consumer, memberGeneration);
      connecting = keepConnecting(consumer, memberGeneration);
    })().finally(() => {
      if (memberGeneration === generation) renewing = undefined;
    });
  }
  watch(consumer, generation);

  return {
    /** Whether the current member is in the group (false from a crash until it joins again). */
    get joined() {
      return joined;
    },
    /** The partitions the current member holds; none while it is not joined. */
    get assigned(): ReadonlySet<number> {
      return joined ? assigned : new Set<number>();
    },
    start(): void {
      connecting = keepConnecting(consumer, generation);
    },
    /**
     * After `stopping` is aborted: leaves the group (a chunk not yet acknowledged stays uncommitted and is
     * redelivered).
     */
    closers(): [string, () => Promise<unknown> | undefined][] {
      return [
        ['connect loop', () => connecting],
        ['member renewal', () => renewing],
        ['consumer', () => consumer.disconnect()],
      ];
    },
  };
}
