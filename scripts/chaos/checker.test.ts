import { describe, expect, it } from 'vitest';
import { checkRun, formatReport } from './checker.ts';
import type { FinalDump, HistoryOp } from './history.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const json = (n: number, user = 'u1', extra = '') =>
  `{"event_id":"${id(n)}","user_id":"${user}","timestamp":${1_000 + n}${extra}}`;

/** A clean run: events 1..3 of user u1 published, acknowledged, stored once, in order. */
function cleanRun(): { history: HistoryOp[]; dump: FinalDump } {
  const history: HistoryOp[] = [];
  for (const n of [1, 2, 3]) {
    history.push({ type: 'invoke', time: n * 10, client: 'c1', seq: n, event_id: id(n), user_id: 'u1', attempt: 1 });
    history.push({ type: 'ok', time: n * 10 + 5, client: 'c1', seq: n, event_id: id(n) });
  }
  history.push({ type: 'settled', time: 100, settled: true, detail: 'every partition committed' });
  const values = [1, 2, 3].map((n) => json(n));
  return {
    history,
    dump: {
      topic: values.map((value, offset) => ({ partition: 0, offset, key: 'u1', value })),
      eventLog: [...values],
      stream: values.map((e, i) => ({ id: `${50 + i * 10}-0`, e })),
      userKeys: { u1: values[2]! },
      deadLetters: [],
      offsets: [{ partition: 0, end: 3, committed: 3 }],
      streamWrites: { kept: 3, added: 3 },
    },
  };
}

const kinds = (history: HistoryOp[], dump: FinalDump) => {
  const report = checkRun(history, dump);
  return Object.fromEntries(
    Object.entries(report.anomalies)
      .filter(([, found]) => found.length > 0)
      .map(([k, found]) => [k, found.length]),
  );
};

describe('the chaos checker', () => {
  it('finds nothing in a clean run, and measures 202 → stored', () => {
    const { history, dump } = cleanRun();
    const report = checkRun(history, dump);
    expect(report.valid).toBe(true);
    expect(report.publishes).toEqual({ invoked: 3, ok: 3, fail: 0, info: 0 });
    expect(report.latency).toEqual({ count: 3, p50: 35, p99: 35, max: 35 });
    expect(formatReport(report)).toContain('valid: no anomaly');
  });

  it('lost: an acknowledged event not stored, saying whether Kafka has it', () => {
    const { history, dump } = cleanRun();
    dump.eventLog = dump.eventLog.filter((m) => !m.includes(id(2)));
    dump.stream = dump.stream.filter((s) => !s.e.includes(id(2)));
    const report = checkRun(history, dump);
    expect(report.anomalies.lost).toEqual([
      { kind: 'lost', event_id: id(2), detail: 'acknowledged (202) but not in event_log; Kafka has it' },
    ]);
    expect(report.valid).toBe(false);
    dump.topic = dump.topic.filter((r) => !r.value.includes(id(2)));
    expect(checkRun(history, dump).anomalies.lost[0]!.detail).toMatch(/not in Kafka either$/);
  });

  it('phantom: a refused event stored, and a stored event nobody published', () => {
    const { history, dump } = cleanRun();
    history.push({ type: 'invoke', time: 60, client: 'c2', seq: 1, event_id: id(9), user_id: 'u9', attempt: 1 });
    history.push({
      type: 'fail',
      time: 61,
      client: 'c2',
      seq: 1,
      event_id: id(9),
      status: 422,
      code: 'event_id_reused',
    });
    dump.eventLog.push(json(9, 'u9'), json(10, 'u10'));
    dump.topic.push(
      { partition: 1, offset: 0, key: 'u9', value: json(9, 'u9') },
      { partition: 2, offset: 0, key: 'u10', value: json(10, 'u10') },
    );
    dump.userKeys.u9 = json(9, 'u9');
    expect(kinds(history, dump)).toEqual({ phantom: 2 });
  });

  it('an unknown outcome (info) may be stored once; an info then ok is an ok', () => {
    const { history, dump } = cleanRun();
    history.push({ type: 'invoke', time: 70, client: 'c1', seq: 4, event_id: id(4), user_id: 'u1', attempt: 1 });
    history.push({
      type: 'info',
      time: 75,
      client: 'c1',
      seq: 4,
      event_id: id(4),
      status: 503,
      reason: 'kafka_unavailable',
    });
    history.push({ type: 'invoke', time: 70, client: 'c1', seq: 5, event_id: id(5), user_id: 'u1', attempt: 1 });
    history.push({ type: 'info', time: 75, client: 'c1', seq: 5, event_id: id(5), reason: 'timeout' });
    history.push({ type: 'invoke', time: 80, client: 'c1', seq: 5, event_id: id(5), user_id: 'u1', attempt: 2 });
    history.push({ type: 'ok', time: 85, client: 'c1', seq: 5, event_id: id(5) });
    dump.eventLog.push(json(4));
    dump.topic.push({ partition: 0, offset: 3, key: 'u1', value: json(4) });
    dump.userKeys.u1 = json(4);
    const report = checkRun(history, dump);
    expect(report.infoStored).toBe(1);
    // Event 5 was acknowledged on its retry and is not stored: lost, though its first answer was unknown.
    expect(report.anomalies.lost.map((a) => a.event_id)).toEqual([id(5)]);
  });

  it('duplicate: one event_id twice in event_log (other bytes) or twice in the live stream', () => {
    const { history, dump } = cleanRun();
    dump.eventLog.push(json(2, 'u1', ',"retried":true'));
    dump.stream.push({ id: '90-0', e: json(3) });
    const report = checkRun(history, dump);
    expect(report.anomalies.duplicate.map((a) => [a.event_id, a.detail])).toEqual([
      [id(2), '2 members of event_log'],
      [id(3), '2 times in event_stream'],
    ]);
  });

  it('inconsistent: a user key not the last stored in partition order; stream outside the log; stored and dead', () => {
    const { history, dump } = cleanRun();
    dump.userKeys.u1 = json(2);
    expect(kinds(history, dump)).toEqual({ inconsistent: 1 });

    // A record of event 1 sent again after event 3 is not new: the key stays event 3.
    const resent = cleanRun();
    resent.dump.topic.push({ partition: 0, offset: 3, key: 'u1', value: json(1) });
    expect(kinds(resent.history, resent.dump)).toEqual({});

    const other = cleanRun();
    other.dump.stream.push({ id: '99-0', e: json(8) });
    other.dump.deadLetters.push(json(1));
    expect(checkRun(other.history, other.dump).anomalies.inconsistent.map((a) => a.detail)).toEqual([
      'in event_stream but not in event_log',
      'both stored and dead-lettered',
    ]);
  });

  it('regression: an event seen stored during the run and gone at the end; a user key that went back', () => {
    const { history, dump } = cleanRun();
    history.push({ type: 'read-stored', time: 40, event_ids: [id(3)] });
    history.push({ type: 'read-user', time: 41, user_id: 'u1', event_id: id(3) });
    // A failover to a replica that never had event 3.
    dump.eventLog = dump.eventLog.filter((m) => !m.includes(id(3)));
    dump.stream = dump.stream.filter((s) => !s.e.includes(id(3)));
    dump.userKeys.u1 = json(2);
    const report = checkRun(history, dump);
    expect(report.anomalies.regression.map((a) => a.detail)).toEqual([
      'seen stored during the run, gone at the end',
      `event:u1 held ${id(3)} during the run and an older event (${id(2)}) at the end`,
    ]);
    expect(report.anomalies.lost).toHaveLength(1);
  });

  it('liveness: a run that did not settle, or a partition not committed to its end', () => {
    const { history, dump } = cleanRun();
    history.push({ type: 'settled', time: 200, settled: false, detail: '3 events not stored after 60 s' });
    dump.offsets[0]!.committed = 2;
    expect(checkRun(history, dump).anomalies.liveness.map((a) => a.detail)).toEqual([
      'not settled: 3 events not stored after 60 s',
      'partition 0: committed 2 of 3',
    ]);
    expect(
      kinds(
        history.filter((op) => op.type !== 'settled'),
        { ...dump, offsets: [] },
      ),
    ).toEqual({ liveness: 1 });
  });

  it('counts the faults applied, by kind, apart from those drawn; names those not applied or not healed', () => {
    const { history, dump } = cleanRun();
    history.push(
      { type: 'fault-start', time: 1, id: 1, kind: 'kill', target: 'kafka' },
      { type: 'fault-applied', time: 1, id: 1, kind: 'kill', target: 'kafka', ok: true },
      { type: 'fault-end', time: 2, id: 1, kind: 'kill', target: 'kafka' },
      { type: 'fault-start', time: 3, id: 2, kind: 'kill', target: 'redis' },
      { type: 'fault-applied', time: 3, id: 2, kind: 'kill', target: 'redis', ok: true },
      { type: 'fault-end', time: 5, id: 2, kind: 'kill', target: 'redis', error: 'port in use' },
      { type: 'fault-start', time: 4, id: 3, kind: 'pause', target: 'event-consumer-1' },
      {
        type: 'fault-applied',
        time: 4,
        id: 3,
        kind: 'pause',
        target: 'event-consumer-1',
        ok: false,
        error: 'not running',
      },
    );
    const report = checkRun(history, dump);
    expect(report.faults).toEqual({ kill: 2 });
    expect(report.faultsDrawn).toEqual({ kill: 2, pause: 1 });
    expect(report.faultErrors).toEqual([
      { id: 2, kind: 'kill', target: 'redis', step: 'heal', error: 'port in use' },
      { id: 3, kind: 'pause', target: 'event-consumer-1', step: 'apply', error: 'not running' },
    ]);
    expect(report.valid).toBe(true);
    expect(formatReport(report)).toContain(
      'faults applied: kill 2 (of 3 drawn)\n  fault 2 (kill redis) not healed: port in use\n',
    );
  });

  it('untested: faults were drawn and none could be applied', () => {
    const { history, dump } = cleanRun();
    history.push(
      { type: 'fault-start', time: 4, id: 1, kind: 'pause', target: 'kafka' },
      {
        type: 'fault-applied',
        time: 4,
        id: 1,
        kind: 'pause',
        target: 'kafka',
        ok: false,
        error: 'process 7 could not be sent SIGSTOP: ESRCH',
      },
    );
    expect(checkRun(history, dump).anomalies.untested.map((a) => a.detail)).toEqual([
      'none of the 1 faults drawn could be applied',
    ]);
    // A run that drew no fault tested what it said: the load alone.
    expect(kinds(cleanRun().history, dump)).toEqual({});
  });

  it('unchecked: event_stream was trimmed during the run, or the dump does not say', () => {
    const { history, dump } = cleanRun();
    dump.streamWrites = { kept: 3, added: 5 };
    expect(checkRun(history, dump).anomalies.unchecked.map((a) => a.detail)).toEqual([
      'event_stream kept 3 of 5 entries: duplicates written before the trim are unseen',
    ]);
    const { streamWrites: _none, ...older } = dump;
    expect(kinds(history, older)).toEqual({ unchecked: 1 });
  });
});
