import type { FinalDump, HistoryOp } from './history.ts';

/**
 * Judges a chaos run from its history and its final dump: the promise under test is that a 202 means
 * stored exactly once, whatever the faults. Pure, so that each anomaly class is tested on a history made
 * by hand (checker.test.ts) — a checker that finds nothing in a broken history is the worst bug here.
 */

/**
 * Besides what the pipeline did wrong, two kinds say the run cannot be trusted to have tested it:
 * `unchecked` (the checker could not see every stored write: event_stream was trimmed during the run) and
 * `untested` (faults were drawn and none of them could be applied).
 */
export const ANOMALY_KINDS = [
  'lost',
  'phantom',
  'duplicate',
  'inconsistent',
  'regression',
  'liveness',
  'unchecked',
  'untested',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface Anomaly {
  kind: AnomalyKind;
  event_id?: string;
  user_id?: string;
  detail: string;
}

export interface Report {
  publishes: { invoked: number; ok: number; fail: number; info: number };
  /** How many info (unknown) events ended stored: allowed, at most once each. */
  infoStored: number;
  /** Faults applied, by kind: only those the nemesis managed to apply count. */
  faults: Record<string, number>;
  /** Faults drawn (and tried), by kind. */
  faultsDrawn: Record<string, number>;
  /** Faults that could not be applied, or whose heal failed, with the reason. */
  faultErrors: { id: number; kind: string; target: string; step: 'apply' | 'heal'; error: string }[];
  /** Milliseconds from a 202 to the event stored (its live-stream entry), for the events the stream still holds. */
  latency: { count: number; p50: number; p99: number; max: number };
  anomalies: Record<AnomalyKind, Anomaly[]>;
  valid: boolean;
}

interface Parsed {
  event_id: string;
  user_id: string;
}

function parse(json: string): Parsed | undefined {
  try {
    const value = JSON.parse(json) as Partial<Parsed>;
    if (typeof value.event_id !== 'string' || typeof value.user_id !== 'string') return undefined;
    return { event_id: value.event_id.toLowerCase(), user_id: value.user_id };
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** At most this many examples of one anomaly kind in the report: the counts say the rest. */
const EXAMPLES = 20;

type Add = (a: Anomaly) => void;
type Outcome = 'ok' | 'info' | 'fail';

/**
 * What the history says: each event_id's outcome (ok beats info beats fail: a retry may have succeeded), its 202's
 * time, the faults.
 */
function tallyHistory(history: HistoryOp[]) {
  const outcome = new Map<string, Outcome>();
  const okAt = new Map<string, number>();
  const publishes = { invoked: 0, ok: 0, fail: 0, info: 0 };
  const faults: Record<string, number> = {};
  const faultsDrawn: Record<string, number> = {};
  const faultErrors: Report['faultErrors'] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      publishes.invoked++;
    } else if (op.type === 'ok' || op.type === 'info' || op.type === 'fail') {
      publishes[op.type]++;
      const before = outcome.get(op.event_id);
      if (op.type === 'ok' || before === undefined || (before === 'fail' && op.type === 'info'))
        outcome.set(op.event_id, op.type);
      if (op.type === 'ok' && !okAt.has(op.event_id)) okAt.set(op.event_id, op.time);
    } else if (op.type === 'fault-start') {
      faultsDrawn[op.kind] = (faultsDrawn[op.kind] ?? 0) + 1;
    } else if (op.type === 'fault-applied') {
      if (op.ok) faults[op.kind] = (faults[op.kind] ?? 0) + 1;
      else
        faultErrors.push({ id: op.id, kind: op.kind, target: op.target, step: 'apply', error: op.error ?? 'unknown' });
    } else if (op.type === 'fault-end' && op.error !== undefined) {
      faultErrors.push({ id: op.id, kind: op.kind, target: op.target, step: 'heal', error: op.error });
    }
  }
  return { outcome, okAt, publishes, faults, faultsDrawn, faultErrors };
}

/**
 * event_log's members by event_id: two members for one id is a duplicate, a member that is not an event inconsistent.
 */
function storedEvents(dump: FinalDump, add: Add): Map<string, string[]> {
  const stored = new Map<string, string[]>();
  for (const json of dump.eventLog) {
    const event = parse(json);
    if (!event) {
      add({ kind: 'inconsistent', detail: `event_log holds a member that is not an event: ${json.slice(0, 80)}` });
      continue;
    }
    stored.set(event.event_id, [...(stored.get(event.event_id) ?? []), json]);
  }
  return stored;
}

/** Lost (a 202 not stored), phantom (a refusal or a stranger stored) and duplicate members of event_log. */
function checkLog(outcome: Map<string, Outcome>, stored: Map<string, string[]>, dump: FinalDump, add: Add): void {
  const inTopic = new Set(
    dump.topic.map((r) => parse(r.value)?.event_id).filter((id): id is string => id !== undefined),
  );
  for (const [id, result] of outcome) {
    const copies = stored.get(id)?.length ?? 0;
    if (result === 'ok' && copies === 0) {
      add({
        kind: 'lost',
        event_id: id,
        detail: `acknowledged (202) but not in event_log; ${inTopic.has(id) ? 'Kafka has it' : 'not in Kafka either'}`,
      });
    }
    if (result === 'fail' && copies > 0) add({ kind: 'phantom', event_id: id, detail: 'refused (4xx) yet stored' });
  }
  for (const [id, members] of stored) {
    if (!outcome.has(id))
      add({ kind: 'phantom', event_id: id, detail: 'stored, but never published by a client of the run' });
    if (members.length > 1) add({ kind: 'duplicate', event_id: id, detail: `${members.length} members of event_log` });
  }
}

/** The live stream holds each event once, each in event_log; nothing stored is also dead-lettered. */
function checkStreamAndDeadLetters(stored: Map<string, string[]>, dump: FinalDump, add: Add): void {
  const logMembers = new Set(dump.eventLog);
  const streamed = new Map<string, number>();
  for (const { e } of dump.stream) {
    const id = parse(e)?.event_id;
    if (id !== undefined) streamed.set(id, (streamed.get(id) ?? 0) + 1);
    if (!logMembers.has(e)) add({ kind: 'inconsistent', event_id: id, detail: 'in event_stream but not in event_log' });
  }
  for (const [id, count] of streamed)
    if (count > 1) add({ kind: 'duplicate', event_id: id, detail: `${count} times in event_stream` });
  for (const value of dump.deadLetters) {
    const id = parse(value)?.event_id;
    if (id !== undefined && stored.has(id))
      add({ kind: 'inconsistent', event_id: id, detail: 'both stored and dead-lettered' });
  }
}

/**
 * event:<user_id> is the user's last new event in partition order (ARCHITECTURE.md, "Contracts"): the last
 * record of the user, in offset order, whose event_id was new there (a redelivered or resent copy is not) and
 * stored. Returns each event's position in that order, which the regression check compares reads by.
 */
function checkUserKeys(stored: Map<string, string[]>, dump: FinalDump, add: Add): Map<string, number> {
  const position = new Map<string, number>();
  const expectedKey = new Map<string, string | null>();
  const seenIds = new Set<string>();
  const records = [...dump.topic].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const [index, record] of records.entries()) {
    const event = parse(record.value);
    if (!event || seenIds.has(event.event_id)) continue;
    seenIds.add(event.event_id);
    position.set(event.event_id, index);
    if (stored.get(event.event_id)?.includes(record.value)) expectedKey.set(event.user_id, record.value);
  }
  for (const [user, value] of Object.entries(dump.userKeys)) {
    const expected = expectedKey.get(user) ?? null;
    if (value !== expected) {
      add({
        kind: 'inconsistent',
        user_id: user,
        detail: `event:${user} holds ${
          value === null ? 'nothing' : (parse(value)?.event_id ?? 'a non-event')
        }, its last new stored event is ${expected === null ? 'none' : parse(expected)?.event_id}`,
      });
    }
  }
  return position;
}

/** Reads during the run that the end contradicts: an event seen stored and gone, a user's key gone back. */
function checkRegressions(
  history: HistoryOp[],
  stored: Map<string, string[]>,
  position: Map<string, number>,
  dump: FinalDump,
  add: Add,
): void {
  const seenStored = new Set<string>();
  const seenKey = new Map<string, string>();
  for (const op of history) {
    if (op.type === 'read-stored') for (const id of op.event_ids) seenStored.add(id);
    if (op.type === 'read-user' && op.event_id !== null) {
      const before = seenKey.get(op.user_id);
      if (before === undefined || (position.get(op.event_id) ?? -1) > (position.get(before) ?? -1))
        seenKey.set(op.user_id, op.event_id);
    }
  }
  for (const id of seenStored)
    if (!stored.has(id))
      add({ kind: 'regression', event_id: id, detail: 'seen stored during the run, gone at the end' });
  for (const [user, seen] of seenKey) {
    const final = dump.userKeys[user] ? parse(dump.userKeys[user])?.event_id : undefined;
    if ((position.get(final ?? '') ?? -1) < (position.get(seen) ?? -1)) {
      add({
        kind: 'regression',
        user_id: user,
        detail: `event:${user} held ${seen} during the run and an older event (${final ?? 'none'}) at the end`,
      });
    }
  }
}

/** Settled (the consumer committed everything, and the run said so in time), and a run the checker can vouch for. */
function checkSettledAndVouched(
  history: HistoryOp[],
  dump: FinalDump,
  faultsDrawn: Record<string, number>,
  faults: Record<string, number>,
  add: Add,
): void {
  const settled = history.filter((op) => op.type === 'settled').at(-1);
  if (!settled || (settled.type === 'settled' && !settled.settled)) {
    add({
      kind: 'liveness',
      detail: settled?.type === 'settled' ? `not settled: ${settled.detail}` : 'the run ended without settling',
    });
  }
  for (const p of dump.offsets) {
    if (p.committed < p.end)
      add({ kind: 'liveness', detail: `partition ${p.partition}: committed ${p.committed} of ${p.end}` });
  }
  // Duplicates are looked for in the stream, the one key that keeps every stored write: only if none was trimmed.
  if (!dump.streamWrites) {
    add({
      kind: 'unchecked',
      detail: 'the dump does not say whether event_stream was trimmed: duplicates may be unseen',
    });
  } else if (dump.streamWrites.added > dump.streamWrites.kept) {
    const { kept, added } = dump.streamWrites;
    add({
      kind: 'unchecked',
      detail: `event_stream kept ${kept} of ${added} entries: duplicates written before the trim are unseen`,
    });
  }
  const drawn = Object.values(faultsDrawn).reduce((a, b) => a + b, 0);
  if (drawn > 0 && Object.keys(faults).length === 0) {
    add({ kind: 'untested', detail: `none of the ${drawn} faults drawn could be applied` });
  }
}

export function checkRun(history: HistoryOp[], dump: FinalDump): Report {
  const anomalies = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, [] as Anomaly[]])) as Record<
    AnomalyKind,
    Anomaly[]
  >;
  const add = (a: Anomaly) => anomalies[a.kind].push(a);
  const { outcome, okAt, publishes, faults, faultsDrawn, faultErrors } = tallyHistory(history);
  const stored = storedEvents(dump, add);
  checkLog(outcome, stored, dump, add);
  const infoStored = [...outcome].filter(([id, r]) => r === 'info' && stored.has(id)).length;
  checkStreamAndDeadLetters(stored, dump, add);
  const position = checkUserKeys(stored, dump, add);
  checkRegressions(history, stored, position, dump, add);
  checkSettledAndVouched(history, dump, faultsDrawn, faults, add);

  const latencies = dump.stream
    .map(({ id, e }) => {
      const event = parse(e);
      const ok = event ? okAt.get(event.event_id) : undefined;
      return ok === undefined ? undefined : Math.max(0, Number(id.split('-')[0]) - ok);
    })
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);

  const valid = ANOMALY_KINDS.every((k) => anomalies[k].length === 0);
  return {
    publishes,
    infoStored,
    faults,
    faultsDrawn,
    faultErrors,
    latency: {
      count: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
    anomalies,
    valid,
  };
}

/** The report as a table for people: one line per anomaly kind, with a few examples. */
export function formatReport(report: Report): string {
  const { publishes, latency } = report;
  const lines = [
    `publishes: ${publishes.invoked} invoked, ${publishes.ok} ok (202), ${publishes.fail} fail (4xx), \
${publishes.info} info (unknown; ${report.infoStored} stored)`,
    `faults applied: ${
      Object.entries(report.faults)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    } (of ${Object.values(report.faultsDrawn).reduce((a, b) => a + b, 0)} drawn)`,
    ...report.faultErrors.map(
      (f) => `  fault ${f.id} (${f.kind} ${f.target}) not ${f.step === 'apply' ? 'applied' : 'healed'}: ${f.error}`,
    ),
    `202 → stored: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms (${latency.count} events)`,
    '',
    'anomaly        count  examples',
  ];
  for (const kind of ANOMALY_KINDS) {
    const found = report.anomalies[kind];
    const examples = found
      .slice(0, 3)
      .map((a) => `${a.event_id ?? a.user_id ?? ''} ${a.detail}`.trim())
      .join('; ');
    lines.push(`${kind.padEnd(14)} ${String(found.length).padStart(5)}  ${examples}`);
  }
  lines.push('', report.valid ? 'valid: no anomaly' : 'INVALID: anomalies above');
  return lines.join('\n');
}

/** The report as kept beside the run (report.json): at most EXAMPLES of each anomaly, and its count. */
export function reportJson(report: Report): string {
  const anomalies = Object.fromEntries(
    ANOMALY_KINDS.map((k) => [
      k,
      { count: report.anomalies[k].length, examples: report.anomalies[k].slice(0, EXAMPLES) },
    ]),
  );
  return JSON.stringify({ ...report, anomalies }, null, 2);
}
