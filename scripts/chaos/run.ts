import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CONSUMER_GROUP, EVENTS_TOPIC, redisKeys } from '@eventstreamapp/event-schema';
import type { Cluster, Redis } from 'ioredis';
import { freePort } from '../../tests/support/wait.js';
import { type ServiceProcess, spawnService } from '../launcher/service-process.ts';
import type { ServiceName } from '../launcher/services.ts';
import { checkRun, formatReport, type Report, reportJson } from './checker.ts';
import { dumpFinalState } from './dump.ts';
import { type Engines, type StoreKeys, startEngines } from './engines.ts';
import { appendOp, type FinalDump, type HistoryOp, readHistory } from './history.ts';
import { Partitions } from './partition.ts';
import {
  countByKind,
  drawSchedule,
  type Fault,
  type FaultKind,
  SERVICE_PROCESSES,
  type ServiceProcessName,
  type Topology,
} from './schedule.ts';

export interface RunOptions {
  seed: number;
  durationMs: number;
  /** Events a second, all clients together. */
  rate: number;
  topology: Topology;
  kinds: readonly FaultKind[];
  dir: string;
  clients?: number;
  users?: number;
  /** How long the pipeline may take to store everything after the last heal. */
  settleMs?: number;
  /**
   * The checker's own test: 'dedup' deletes the consumer's dedup index every half second during the load,
   * so that records read again after a fault are stored again; such a run must be reported with duplicates.
   */
  sabotage?: 'dedup';
  log?: (line: string) => void;
}

/** The run's Redis keys: the services run without a prefix. */
const KEYS = redisKeys();
/** Each service process runs under a uid of its own: what a partition cuts by (partition.ts). */
const UID_BASE = 62_000;
const READ_EVERY_MS = 2_000;

type Record_ = (op: HistoryOp) => void;

/**
 * The run's service processes (three consumers), each on a free port and under a uid of its own: started,
 * killed and started again by the nemesis, restarted after the last heal.
 */
async function serviceFleet(engines: Engines, dir: string, sabotaged: boolean) {
  const processes = new Map<ServiceProcessName, ServiceProcess>();
  const ports = new Map<ServiceProcessName, number>();
  for (const name of SERVICE_PROCESSES) ports.set(name, await freePort());
  const uid = (name: ServiceProcessName) => UID_BASE + SERVICE_PROCESSES.indexOf(name);
  const env = (name: ServiceProcessName): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    KAFKA_BROKERS: engines.brokers,
    ...engines.serviceEnv,
    PORT: String(ports.get(name)),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // The whole run in the live stream: the checker reads it for duplicates and 202 → stored times. The cap
    // is counted in entries of the size of the one being added (store-script.ts), so a chunk of a backlog, an
    // entry of 128 events, trims to 1/128 of it: the largest cap keeps 78,125 such entries, more than a
    // 10-minute run at 100 events/s writes (at most one entry per event).
    EVENT_STREAM_MAX_LEN: '10000000',
    // Sabotaged, each consumer kill makes up to 5 s of records be read again, not 1 s: duplicates for sure.
    ...(sabotaged ? { KAFKA_COMMIT_INTERVAL_MS: '5000' } : {}),
  });
  const start = (name: ServiceProcessName) => {
    const service = name.replace(/-\d$/, '') as ServiceName;
    const started = spawnService(service, {
      env: env(name),
      logFile: join(dir, 'logs', `${name}.log`),
      uid: uid(name),
    });
    processes.set(name, started);
    return started;
  };
  const stopped = (name: ServiceProcessName) => {
    const child = processes.get(name)!.child;
    return child.exitCode !== null || child.signalCode !== null;
  };
  return {
    processes,
    start,
    stopped,
    uid,
    url: (name: ServiceProcessName) => `http://127.0.0.1:${ports.get(name)}`,
    async startAll(): Promise<void> {
      await Promise.all(SERVICE_PROCESSES.map((name) => start(name).ready(120_000)));
    },
    /** After the last heal: whatever is down started again, and every one given time to be ready. */
    async restartStopped(): Promise<void> {
      for (const name of SERVICE_PROCESSES) if (stopped(name)) start(name);
      await Promise.all(
        SERVICE_PROCESSES.map((name) =>
          processes
            .get(name)!
            .ready(120_000)
            .catch(() => undefined),
        ),
      );
    },
    async killAll(): Promise<void> {
      await Promise.allSettled([...processes.values()].map((p) => p.stop('SIGKILL')));
    },
  };
}

type Fleet = Awaited<ReturnType<typeof serviceFleet>>;

/** The load: client processes publishing with event_ids of their own, writing their history lines to stdout. */
function startLoad(options: RunOptions, generatorUrl: string, record: Record_) {
  const { seed, durationMs, rate, clients = 3, users = 50 } = options;
  const acknowledged = new Map<string, string>();
  const loaders: ChildProcess[] = [];
  for (let i = 0; i < clients; i++) {
    const args = [
      generatorUrl,
      `c${i + 1}`,
      String(rate / clients),
      String(users),
      String(durationMs),
      String(seed + i + 1),
    ];
    const child = spawn(process.execPath, [join(import.meta.dirname, 'client.ts'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    loaders.push(child);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const op = JSON.parse(line) as HistoryOp;
      record(op);
      if (op.type === 'ok' && op.json) acknowledged.set(op.event_id, op.json);
    });
  }
  return {
    /** Acknowledged events' JSON by event_id: what must end stored. */
    acknowledged,
    done: Promise.all(loaders.map((c) => new Promise((resolve) => c.on('exit', resolve)))),
    kill: () => {
      for (const child of loaders) child.kill('SIGKILL');
    },
  };
}

/** What each fault does, returning its heal. */
function faultApplier(engines: Engines, partitions: Partitions, fleet: Fleet) {
  return async (fault: Fault): Promise<() => Promise<void>> => {
    const service = SERVICE_PROCESSES.find((s) => s === fault.target);
    if (fault.kind === 'partition') {
      const heal = partitions.cut(fault.id, fleet.uid(service!), engines.ports[fault.engine!], fault.mode!);
      return async () => heal();
    }
    if (fault.kind === 'failover') {
      await engines.failover();
      return async () => {};
    }
    if (fault.kind === 'diskfull') return engines.fillDisk(fault.target);
    if (fault.kind === 'leader') return engines.moveLeaders();
    if (service) {
      // A process that is not running cannot be hurt: the fault would be counted and do nothing.
      if (fleet.stopped(service)) throw new Error(`${service} is not running`);
      const running = fleet.processes.get(service)!;
      if (fault.kind === 'kill') {
        await running.stop('SIGKILL');
        return async () => void fleet.start(service);
      }
      running.child.kill('SIGSTOP');
      return async () => void running.child.kill('SIGCONT');
    }
    return fault.kind === 'kill' ? engines.kill(fault.target) : engines.pause(fault.target);
  };
}

/**
 * The nemesis: each fault of the schedule applied at its time and healed after its length, its start, its
 * application and its heal recorded with their outcome.
 */
function startNemesis(schedule: Fault[], apply: (fault: Fault) => Promise<() => Promise<void>>, record: Record_) {
  const started = Date.now();
  const heals = new Map<number, () => Promise<void>>();
  const outcome = (fault: Fault, err?: unknown) => ({
    time: Date.now(),
    id: fault.id,
    kind: fault.kind,
    target: fault.target,
    ...(err === undefined ? {} : { error: (err as Error).message }),
  });
  // The heal under way on each target: the next fault on it waits for it (a broker still starting after a
  // kill must not have its disk filled under it, which the schedule, counting in planned times, cannot see).
  const healing = new Map<string, Promise<void>>();
  const heal = async (fault: Fault) => {
    const healOf = heals.get(fault.id);
    if (!healOf) return;
    heals.delete(fault.id);
    const done = healOf().then(
      () => record({ type: 'fault-end', ...outcome(fault) }),
      (err: unknown) => record({ type: 'fault-end', ...outcome(fault, err) }),
    );
    healing.set(fault.target, done);
    await done;
  };
  const play = async (fault: Fault) => {
    await healing.get(fault.target);
    const target = `${fault.target}${fault.engine ? ` ${fault.mode} ${fault.engine}` : ''}`;
    record({ type: 'fault-start', time: Date.now(), id: fault.id, kind: fault.kind, target });
    try {
      heals.set(fault.id, await apply(fault));
      record({ type: 'fault-applied', ...outcome(fault), ok: true });
    } catch (err) {
      record({ type: 'fault-applied', ...outcome(fault, err), ok: false });
      return;
    }
    setTimeout(() => void heal(fault), Math.max(0, fault.startMs + fault.durationMs - (Date.now() - started)));
  };
  const timers = schedule.map((fault) => setTimeout(() => void play(fault), fault.startMs));
  return {
    /** Ends the schedule: faults not started never start, and every one applied is healed. */
    async healAll(): Promise<void> {
      for (const timer of timers) clearTimeout(timer);
      for (const fault of schedule) await heal(fault);
    },
  };
}

/**
 * Which of these acknowledged events (event_id → JSON) are in the log: one ZMSCORE per log key, sent together.
 * A failed read counts as none found.
 */
async function storedOf(redis: Redis | Cluster, store: StoreKeys, events: [string, string][]): Promise<string[]> {
  const byKey = new Map<string, [string, string][]>();
  for (const event of events) {
    const key = store.logKeyOf(event[0]);
    const group = byKey.get(key) ?? [];
    group.push(event);
    byKey.set(key, group);
  }
  const found = await Promise.all(
    [...byKey].map(async ([key, group]) => {
      const scores = await redis.zmscore(key, ...group.map(([, json]) => json)).catch(() => []);
      return group.filter((_, i) => (scores as (string | null)[])[i] != null).map(([id]) => id);
    }),
  );
  return found.flat();
}

/** Reads along the way: users' keys, and whether acknowledged events are stored yet. */
function startReads(engines: Engines, users: number, acknowledged: Map<string, string>, record: Record_) {
  const redis = engines.redis();
  return setInterval(async () => {
    try {
      for (let i = 0; i < 5; i++) {
        const user = `user-${Math.floor(Math.random() * users)}`;
        const value = await redis.get(KEYS.eventKey(user));
        const eventId = value ? (JSON.parse(value) as { event_id: string }).event_id : null;
        record({ type: 'read-user', time: Date.now(), user_id: user, event_id: eventId });
      }
      const sample = [...acknowledged].slice(-50);
      if (sample.length > 0) {
        record({ type: 'read-stored', time: Date.now(), event_ids: await storedOf(redis, engines.store, sample) });
      }
    } catch {
      // Redis is what the nemesis is hurting now: the next read tries again.
    }
  }, READ_EVERY_MS);
}

/** Settled: every acknowledged event stored and every record committed, within settleMs; recorded either way. */
async function settle(engines: Engines, acknowledged: Map<string, string>, settleMs: number, record: Record_) {
  const redis = engines.redis();
  const admin = engines.kafka().admin();
  await admin.connect();
  const deadline = Date.now() + settleMs;
  try {
    for (;;) {
      const all = [...acknowledged];
      let missing = 0;
      for (let i = 0; i < all.length; i += 1_000) {
        const slice = all.slice(i, i + 1_000);
        missing += slice.length - (await storedOf(redis, engines.store, slice)).length;
      }
      const ends = await admin.fetchTopicOffsets(EVENTS_TOPIC);
      const [group] = await admin.fetchOffsets({ groupId: CONSUMER_GROUP, topics: [EVENTS_TOPIC] });
      const behind = ends.reduce((sum, p) => {
        const committed = Number(group?.partitions.find((c) => c.partition === p.partition)?.offset ?? -1);
        return sum + Math.max(0, Number(p.high) - Math.max(committed, 0));
      }, 0);
      if (missing === 0 && behind === 0) {
        const after = Math.round((Date.now() - deadline + settleMs) / 100) / 10;
        record({ type: 'settled', time: Date.now(), settled: true, detail: `settled ${after} s after the heal` });
        return;
      }
      if (Date.now() > deadline) {
        const detail = `after ${settleMs / 1000} s: ${missing} acknowledged events not stored, \
${behind} records not committed`;
        record({ type: 'settled', time: Date.now(), settled: false, detail });
        return;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * One chaos run: the engines and the services (three consumers) of its topology on free ports, load
 * from several client processes, the nemesis playing the seed's schedule, reads along the way, then
 * every fault healed, the pipeline given time to settle, and the state dumped and judged.
 * Everything is kept in `dir`: schedule.json, history.jsonl, dump.json, report.json, the services' logs.
 */
export async function runChaos(options: RunOptions): Promise<Report> {
  const { seed, durationMs, rate, topology, kinds, dir, clients = 3, users = 50, settleMs = 90_000 } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`chaos: ${line}\n`));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const historyFile = join(dir, 'history.jsonl');
  writeFileSync(historyFile, '');
  const record = (op: HistoryOp) => appendOp(historyFile, op);
  const schedule = drawSchedule({ seed, durationMs, topology, kinds });
  const planned = { seed, durationMs, rate, topology, kinds, faults: schedule };
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(planned, null, 2));
  const counts = JSON.stringify(countByKind(schedule));
  log(`seed ${seed}, ${topology}, ${durationMs / 1000} s at ${rate}/s: ${schedule.length} faults (${counts}) \
→ ${dir}`);

  const partitions = new Partitions(randomBytes(4).toString('hex'));
  let engines: Engines | undefined;
  let fleet: Fleet | undefined;
  let load: ReturnType<typeof startLoad> | undefined;
  try {
    engines = await startEngines(topology, { smallDisks: kinds.includes('diskfull') });
    partitions.setup();
    fleet = await serviceFleet(engines, dir, options.sabotage !== undefined);
    await fleet.startAll();
    log(`services ready; load from ${clients} clients`);
    load = startLoad(options, fleet.url('event-generator'), record);
    const nemesis = startNemesis(schedule, faultApplier(engines, partitions, fleet), record);
    const redis = engines.redis();
    const sabotage =
      options.sabotage === 'dedup' ? setInterval(() => void forgetDedup(redis, engines!.store), 500) : undefined;
    const reader = startReads(engines, users, load.acknowledged, record);

    await load.done;
    clearInterval(reader);
    clearInterval(sabotage);
    await nemesis.healAll();
    await fleet.restartStopped();
    record({ type: 'healed', time: Date.now() });
    log('load done and everything healed; settling');
    await settle(engines, load.acknowledged, settleMs, record);

    const invoked = readHistory(historyFile).flatMap((op) => (op.type === 'invoke' ? [op.user_id] : []));
    const dump: FinalDump = await dumpFinalState(engines.kafka(), redis, engines.store, [...new Set(invoked)]);
    writeFileSync(join(dir, 'dump.json'), JSON.stringify(dump));
  } finally {
    load?.kill();
    await fleet?.killAll();
    partitions.teardown();
    await engines?.remove();
  }
  return judge(dir);
}

/** Deletes the dedup index (every key of it): the consumer then takes every id for new. */
async function forgetDedup(redis: Redis | Cluster, store: StoreKeys): Promise<void> {
  try {
    const keys = [...store.dedup.keys];
    let cursor = '0';
    // On one node the index's buckets are found by their prefix; a cluster's keys are all known.
    if (store.dedup.scanPrefix && !('nodes' in redis)) {
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${store.dedup.scanPrefix}*`, 'COUNT', 1_000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    // One key a command: a cluster refuses a DEL across slots.
    await Promise.all(keys.map((key) => redis.del(key)));
  } catch {
    // Redis is what the nemesis is hurting now: the next round tries again.
  }
}

/** Judges a kept run again (make chaos-check RUN=dir): report.json and report.txt beside it. */
export function judge(dir: string): Report {
  const report = checkRun(
    readHistory(join(dir, 'history.jsonl')),
    JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8')) as FinalDump,
  );
  writeFileSync(join(dir, 'report.json'), reportJson(report));
  writeFileSync(join(dir, 'report.txt'), `${formatReport(report)}\n`);
  return report;
}
