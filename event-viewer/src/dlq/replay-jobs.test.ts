import type { AuditRecord } from '@eventstreamapp/event-schema';
import type { ReplayOptions, ReplayReport } from '@eventstreamapp/pipeline';
import { describe, expect, it } from 'vitest';
import { createReplayJobs, DRY_RUN_VALID_MS } from './replay-jobs.js';
import { parseSelection } from './replay-routes.js';

const report = (options: ReplayOptions, replayed: number): ReplayReport => ({
  read: replayed + 1,
  notSelected: 0,
  stillRefused: { invalid_json: 1 },
  alreadyStored: 0,
  replayed,
  dryRun: options.dryRun ?? false,
  ranges: options.ranges ?? [
    { partition: options.partition ?? 0, from: options.fromOffset ?? 0, to: options.toOffset ?? 9 },
  ],
});

/** Jobs over a replay the test ends by hand, recording what each call was asked and what the audit got. */
function harness() {
  let clock = 1_000;
  let auditDown: Error | undefined;
  const calls: { options: ReplayOptions; holder: string; finish: (r: ReplayReport | Error) => void }[] = [];
  const audited: AuditRecord[] = [];
  const logged: [Record<string, unknown>, string][] = [];
  const auditFailures: Error[] = [];
  const jobs = createReplayJobs({
    replay: (options, holder) =>
      new Promise((resolve, reject) => {
        calls.push({ options, holder, finish: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      }),
    audit: {
      append: async (record) => {
        if (auditDown) throw auditDown;
        audited.push(record);
      },
    },
    log: (fields, message) => void logged.push([fields, message]),
    onAuditFailed: (err) => void auditFailures.push(err as Error),
    now: () => clock,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  // What the replay's own records say, the dry runs' left out.
  const replays = () => audited.filter((a) => a.action.startsWith('dlq.replay.'));
  const breakAudit = (err: Error | undefined) => (auditDown = err);
  return {
    jobs,
    calls,
    audited,
    replays,
    logged,
    auditFailures,
    settle,
    breakAudit,
    tick: (ms: number) => (clock += ms),
  };
}

describe('replays from the viewer', () => {
  it('run one at a time: a second is refused while the first runs, and taken once it ended', async () => {
    const { jobs, calls, settle } = harness();
    const first = await jobs.dryRun('ada', { reason: 'too_large' });
    expect(first).toMatchObject({ state: 'running', by: 'ada', dryRun: true, startedAt: 1_000 });
    await expect(jobs.dryRun('bob', {})).rejects.toThrow(
      `a replay is running (${first.id}, by ada); wait for it to end`,
    );
    expect(jobs.running).toBe(first);
    calls[0]!.finish(report(calls[0]!.options, 2));
    await settle();
    expect(jobs.running).toBeUndefined();
    expect(first).toMatchObject({ state: 'done', finishedAt: 1_000 });
    expect((await jobs.dryRun('bob', {})).by).toBe('bob');
  });

  it('count first: a dry run publishes nothing, is audited; the selection becomes the replay’s options', async () => {
    const { jobs, calls, audited, settle } = harness();
    await jobs.dryRun('ada', {});
    // Nothing chosen: nothing narrows the replay (not even a key holding undefined).
    expect(Object.keys(calls[0]!.options).sort()).toEqual(['dryRun', 'onProgress', 'signal']);
    calls[0]!.finish(report(calls[0]!.options, 0));
    await settle();
    calls.length = 0;
    await jobs.dryRun('ada', { partition: 2, fromOffset: 5, toOffset: 6, reason: 'too_large' });
    expect(calls[0]!.options).toMatchObject({
      dryRun: true,
      partition: 2,
      fromOffset: 5,
      toOffset: 6,
      reasons: ['too_large'],
    });
    expect(calls[0]!.options.ranges).toBeUndefined();
    expect(calls[0]!.holder).toMatch(/^viewer, user ada, job [0-9a-f-]{36}$/);
    calls[0]!.finish(report(calls[0]!.options, 1));
    await settle();
    // Who counted which dead letters leaves a trace: each dry run's start and its counts.
    expect(audited.map((a) => [a.action, a.who, a.counts?.replayed])).toEqual([
      ['dlq.dry_run.started', 'ada', undefined],
      ['dlq.dry_run.finished', 'ada', 0],
      ['dlq.dry_run.started', 'ada', undefined],
      ['dlq.dry_run.finished', 'ada', 1],
    ]);
    expect(audited[3]!.selection).toMatchObject({ partition: 2, fromOffset: 5, toOffset: 6, reason: 'too_large' });
  });

  it('start nothing whose "started" record the audit refused: 503 audit_unavailable, the slot free', async () => {
    const { jobs, calls, replays, auditFailures, breakAudit, settle } = harness();
    breakAudit(new Error("READONLY You can't write against a read only replica."));
    await expect(jobs.dryRun('ada', {})).rejects.toThrow(
      expect.objectContaining({ code: 'audit_unavailable', status: 503, message: expect.stringContaining('READONLY') }),
    );
    expect(calls).toHaveLength(0);
    // Reported as every audit failure is (audit.write_failed in the log).
    expect(auditFailures.map((e) => e.message)).toEqual(["READONLY You can't write against a read only replica."]);
    breakAudit(undefined);
    const dry = await jobs.dryRun('ada', {});
    calls[0]!.finish(report(calls[0]!.options, 2));
    await settle();
    breakAudit(new Error('Connection is closed.'));
    await expect(jobs.confirm('ada', dry.id)).rejects.toThrow(expect.objectContaining({ code: 'audit_unavailable' }));
    expect(calls.filter((c) => !c.options.dryRun)).toHaveLength(0);
    expect(jobs.running).toBeUndefined();
    // The count was not replayed: once the audit answers, the same dry run can still be confirmed.
    breakAudit(undefined);
    expect((await jobs.confirm('ada', dry.id)).dryRunOf).toBe(dry.id);
    expect(replays().map((a) => a.action)).toEqual(['dlq.replay.started']);
  });

  it('replay exactly what the dry run counted: its ranges and reason, audited at start and end', async () => {
    const { jobs, calls, replays, settle } = harness();
    const dry = await jobs.dryRun('ada', { reason: 'too_large' });
    const counted = [{ partition: 0, from: 3, to: 40 }];
    calls[0]!.finish({ ...report(calls[0]!.options, 7), ranges: counted });
    await settle();
    const replay = await jobs.confirm('bob', dry.id);
    expect(replay).toMatchObject({ dryRun: false, dryRunOf: dry.id, by: 'bob', selection: { reason: 'too_large' } });
    await settle();
    expect(calls[1]!.options).toMatchObject({ dryRun: false, ranges: counted, reasons: ['too_large'] });
    expect(replays()).toStrictEqual([
      {
        action: 'dlq.replay.started',
        who: 'bob',
        job: replay.id,
        selection: { reason: 'too_large', dryRunOf: dry.id, ranges: undefined },
      },
    ]);
    calls[1]!.finish({ ...report(calls[1]!.options, 7), ranges: counted });
    await settle();
    expect(replays()[1]).toEqual({
      action: 'dlq.replay.finished',
      who: 'bob',
      job: replay.id,
      selection: { reason: 'too_large', dryRunOf: dry.id, ranges: counted },
      counts: { read: 8, replayed: 7, alreadyStored: 0, stillRefused: { invalid_json: 1 }, notSelected: 0 },
    });
  });

  it('audit a replay that failed, with its error and the counts it reached', async () => {
    const { jobs, calls, replays, logged, settle } = harness();
    const dry = await jobs.dryRun('ada', {});
    calls[0]!.finish(report(calls[0]!.options, 3));
    await settle();
    const replay = await jobs.confirm('ada', dry.id);
    await settle();
    calls[1]!.options.onProgress?.(report(calls[1]!.options, 1));
    calls[1]!.finish(new Error('Kafka went away'));
    await settle();
    expect(replay).toMatchObject({
      state: 'failed',
      error: 'Kafka went away',
      report: { replayed: 1, stillRefused: { invalid_json: 1 } },
    });
    expect(replays().map((a) => a.action)).toEqual(['dlq.replay.started', 'dlq.replay.failed']);
    // The same records reach the log, whatever becomes of Redis.
    const replayLines = logged.filter(([fields]) => String(fields.event).startsWith('audit.dlq.replay.'));
    expect(
      replayLines.map(([fields, message]) => [fields.event, fields.who, fields.job, fields.error, message]),
    ).toEqual([
      ['audit.dlq.replay.started', 'ada', replay.id, undefined, 'audit: dlq.replay.started by ada'],
      ['audit.dlq.replay.failed', 'ada', replay.id, 'Kafka went away', 'audit: dlq.replay.failed by ada'],
    ]);
    expect(replays()[1]).toMatchObject({ error: 'Kafka went away', counts: { replayed: 1 } });
  });

  it('confirm only a dry run that finished, within ten minutes', async () => {
    const { jobs, calls, settle, tick } = harness();
    await expect(jobs.confirm('ada', 'no-such-job')).rejects.toThrow('confirm a dry run that has finished');
    const dry = await jobs.dryRun('ada', {});
    await expect(jobs.confirm('ada', dry.id)).rejects.toThrow(expect.objectContaining({ code: 'dry_run_required' }));
    calls[0]!.finish(report(calls[0]!.options, 1));
    await settle();
    tick(DRY_RUN_VALID_MS + 1);
    await expect(jobs.confirm('ada', dry.id)).rejects.toThrow(/more than 10 minutes old/);
    const fresh = await jobs.dryRun('ada', {});
    calls[1]!.finish(report(calls[1]!.options, 1));
    await settle();
    tick(DRY_RUN_VALID_MS);
    const replay = await jobs.confirm('ada', fresh.id);
    await settle();
    calls[2]!.finish(report(calls[2]!.options, 1));
    await settle();
    // A replay is not a dry run: confirming it replays nothing again.
    await expect(jobs.confirm('ada', replay.id)).rejects.toThrow(expect.objectContaining({ code: 'dry_run_required' }));
  });

  it('confirm a dry run once; a confirmation refused as busy leaves it usable', async () => {
    const { jobs, calls, settle } = harness();
    const counted = async () => {
      const dry = await jobs.dryRun('ada', {});
      calls.at(-1)!.finish(report(calls.at(-1)!.options, 1));
      await settle();
      return dry;
    };
    const first = await counted();
    const second = await counted();
    const replay = await jobs.confirm('ada', first.id);
    await expect(jobs.confirm('bob', second.id)).rejects.toThrow(expect.objectContaining({ code: 'replay_running' }));
    await settle();
    calls.at(-1)!.finish(report(calls.at(-1)!.options, 1));
    await settle();
    const again = `that dry run was confirmed already (replay ${replay.id}): count again`;
    await expect(jobs.confirm('ada', first.id)).rejects.toThrow(again);
    expect((await jobs.confirm('bob', second.id)).dryRunOf).toBe(second.id);
    await settle();
    expect(calls.filter((c) => !c.options.dryRun)).toHaveLength(2);
  });

  it('remember the newest 20 jobs and no more', async () => {
    const { jobs, calls, settle } = harness();
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) {
      ids.push((await jobs.dryRun('ada', {})).id);
      calls[i]!.finish(report(calls[i]!.options, 0));
      await settle();
    }
    expect(jobs.get(ids[0]!)).toBeUndefined();
    expect(ids.slice(1).every((id) => jobs.get(id))).toBe(true);
  });

  it('cancel only the running job, through its signal, audited as failed naming who cancelled', async () => {
    const { jobs, calls, replays, settle } = harness();
    const dry = await jobs.dryRun('ada', {});
    calls[0]!.finish(report(calls[0]!.options, 1));
    await settle();
    expect(() => jobs.cancel('bob', dry.id)).toThrow(
      expect.objectContaining({ code: 'replay_not_running', status: 409 }),
    );
    const replay = await jobs.confirm('ada', dry.id);
    await settle();
    expect(() => jobs.cancel('bob', dry.id)).toThrow(expect.objectContaining({ code: 'replay_not_running' }));
    calls[1]!.options.signal!.addEventListener('abort', () =>
      calls[1]!.finish(calls[1]!.options.signal!.reason as Error),
    );
    expect(jobs.cancel('bob', replay.id)).toBe(replay);
    await settle();
    await settle();
    expect(replay).toMatchObject({ state: 'failed', error: 'cancelled by bob' });
    expect(jobs.running).toBeUndefined();
    expect(replays().map((a) => [a.action, a.error])).toEqual([
      ['dlq.replay.started', undefined],
      ['dlq.replay.failed', 'cancelled by bob'],
    ]);
  });

  it('stop a running replay through its signal, and wait for its audit record', async () => {
    const { jobs, calls, replays, settle } = harness();
    await jobs.stop();
    const dry = await jobs.dryRun('ada', {});
    calls[0]!.finish(report(calls[0]!.options, 1));
    await settle();
    await jobs.confirm('ada', dry.id);
    await settle();
    calls[1]!.options.signal!.addEventListener('abort', () =>
      calls[1]!.finish(calls[1]!.options.signal!.reason as Error),
    );
    await jobs.stop();
    expect(replays().map((a) => [a.action, a.error])).toEqual([
      ['dlq.replay.started', undefined],
      ['dlq.replay.failed', 'the viewer is stopping'],
    ]);
  });
});

describe('a replay form’s selection', () => {
  it('reads numbers from strings or JSON numbers, and leaves out what is empty', () => {
    expect(parseSelection({ partition: '1', from_offset: '5', to_offset: 6, reason: 'too_large', csrf: 'x' })).toEqual({
      partition: 1,
      fromOffset: 5,
      toOffset: 6,
      reason: 'too_large',
    });
    expect(parseSelection({ partition: '', from_offset: '', reason: '' })).toEqual({});
    expect(parseSelection(undefined)).toEqual({});
  });

  it('refuses what it cannot read, naming the field', () => {
    for (const [body, field] of [
      [{ partition: '-1' }, 'partition'],
      [{ partition: '100001' }, 'partition'],
      [{ from_offset: '1.5' }, 'from_offset'],
      [{ to_offset: '0' }, 'to_offset'],
      [{ from_offset: '5', to_offset: '5' }, 'to_offset'],
      [{ reason: 'Too Large' }, 'reason'],
      [{ reason: ['a', 'b'] }, 'reason'],
    ] as const) {
      expect(() => parseSelection(body), JSON.stringify(body)).toThrow(
        expect.objectContaining({ status: 400, details: { parameter: field } }),
      );
    }
  });

  it('refuses a body that is not a set of fields (Schemathesis: [null, null] replayed every dead letter)', () => {
    for (const body of [[null, null], [], 'partition=1', 7, null])
      expect(() => parseSelection(body), JSON.stringify(body)).toThrow(
        expect.objectContaining({ status: 400, code: 'bad_request' }),
      );
  });
});
