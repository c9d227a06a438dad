import { randomUUID } from 'node:crypto';
import type { PartitionRange, ReplayOptions, ReplayReport } from '@eventstreamapp/pipeline';
import type { AuditLog } from '../audit/audit-log.js';
import { httpError } from '../http/errors.js';

/**
 * What an operator picked on /dlq: one letter (a partition and one offset), a filter's reason, or everything from an
 * offset.
 */
export interface Selection {
  partition?: number;
  fromOffset?: number;
  /** Exclusive. */
  toOffset?: number;
  reason?: string;
}

export interface ReplayJob {
  id: string;
  dryRun: boolean;
  selection: Selection;
  /** The dry run whose ranges a replay took. */
  dryRunOf?: string;
  /** A dry run's one replay: set once it was confirmed, so that its count is replayed once, never again. */
  confirmedAs?: string;
  by: string;
  startedAt: number;
  finishedAt?: number;
  state: 'running' | 'done' | 'failed';
  /** The counts so far; final once the job is done. */
  report?: ReplayReport;
  error?: string;
}

export interface ReplayJobsDeps {
  /** replayDeadLetters with the viewer's Kafka, Redis, topics and record limits: the code `make dlq-replay` runs. */
  replay: (options: ReplayOptions, holder: string) => Promise<ReplayReport>;
  audit: Pick<AuditLog, 'append'>;
  /** The audit's line in the viewer's log. */
  log: (fields: Record<string, unknown>, message: string) => void;
  onAuditFailed: (err: unknown) => void;
  /** Every job that ended (dlq_replays_total). */
  onEnded?: (job: ReplayJob) => void;
  now?: () => number;
}

/** Jobs remembered for their pages (and dry runs for their confirmation): the newest ones. */
const JOBS_KEPT = 20;
/** How long a dry run's count may be confirmed: long enough to read it, short enough to still be true. */
export const DRY_RUN_VALID_MS = 10 * 60_000;

function optionsFor(selection: Selection): ReplayOptions {
  return {
    ...(selection.partition === undefined ? {} : { partition: selection.partition }),
    ...(selection.fromOffset === undefined ? {} : { fromOffset: selection.fromOffset }),
    ...(selection.toOffset === undefined ? {} : { toOffset: selection.toOffset }),
    ...(selection.reason === undefined ? {} : { reasons: [selection.reason] }),
  };
}

/** What the replay of `job` is asked: its selection (or a dry run's ranges), its signal, and where its counts go. */
function replayOptionsOf(job: ReplayJob, ranges: PartitionRange[] | undefined, signal: AbortSignal): ReplayOptions {
  return {
    ...optionsFor(job.selection),
    ...(ranges ? { ranges } : {}),
    dryRun: job.dryRun,
    signal,
    onProgress: (report) => {
      job.report = { ...report, stillRefused: { ...report.stillRefused } };
    },
  };
}

const countsOf = (report: ReplayReport | undefined) =>
  report && {
    read: report.read,
    replayed: report.replayed,
    alreadyStored: report.alreadyStored,
    stillRefused: report.stillRefused,
    notSelected: report.notSelected,
  };

/** Writes one audit record of `job`, to the log and to the audit stream; rejects when the stream refuses it. */
function auditRecord(
  audit: ReplayJobsDeps['audit'],
  log: ReplayJobsDeps['log'],
  job: ReplayJob,
  action: string,
): Promise<void> {
  const counts = countsOf(job.report);
  const selection = {
    ...job.selection,
    ...(job.dryRunOf ? { dryRunOf: job.dryRunOf } : {}),
    ranges: job.report?.ranges,
  };
  log(
    { event: `audit.${action}`, who: job.by, job: job.id, selection, counts, error: job.error },
    `audit: ${action} by ${job.by}`,
  );
  return audit.append({
    action,
    who: job.by,
    job: job.id,
    selection,
    ...(counts ? { counts } : {}),
    ...(job.error === undefined ? {} : { error: job.error }),
  });
}

/**
 * The viewer's replays: one at a time (and, through the replay lock, one at a time with every other
 * viewer and `make dlq-replay`), each a dry run first. A replay is only ever the replay of a dry run's
 * ranges and reason, confirmed once within DRY_RUN_VALID_MS. Dry runs and replays are audited when they
 * start and when they end, and none starts whose "started" record the audit stream did not take.
 */
export function createReplayJobs({ replay, audit, log, onAuditFailed, onEnded, now = Date.now }: ReplayJobsDeps) {
  const jobs = new Map<string, ReplayJob>();
  let running: { job: ReplayJob; abort: AbortController; done: Promise<void> } | undefined;

  const record = (job: ReplayJob, action: string) => auditRecord(audit, log, job, action);

  async function start(
    by: string,
    selection: Selection,
    dryRun: boolean,
    from?: { id: string; ranges: PartitionRange[] },
  ): Promise<ReplayJob> {
    const busy = running?.job;
    if (busy) throw httpError('replay_running', `a replay is running (${busy.id}, by ${busy.by}); wait for it to end`);
    const job: ReplayJob = { id: randomUUID(), dryRun, selection, by, startedAt: now(), state: 'running' };
    if (from) job.dryRunOf = from.id;
    const abort = new AbortController();
    // Taken before the audit write, so that a second request is refused rather than racing this one.
    const slot = { job, abort, done: Promise.resolve() };
    running = slot;
    const kind = dryRun ? 'dlq.dry_run' : 'dlq.replay';
    try {
      await record(job, `${kind}.started`);
    } catch (err) {
      running = undefined;
      onAuditFailed(err);
      const why = (err as Error).message ?? String(err);
      throw httpError(
        'audit_unavailable',
        `the audit log cannot be written (${why}): nothing was started`,
        undefined,
        err,
      );
    }
    jobs.set(job.id, job);
    for (const id of jobs.keys()) if (jobs.size > JOBS_KEPT && id !== job.id) jobs.delete(id);
    const options = replayOptionsOf(job, from?.ranges, abort.signal);
    slot.done = (async () => {
      try {
        job.report = await replay(options, `viewer, user ${by}, job ${job.id}`);
        job.state = 'done';
      } catch (err) {
        job.state = 'failed';
        job.error = (err as Error).message ?? String(err);
      }
      job.finishedAt = now();
      running = undefined;
      onEnded?.(job);
      // The work is done: an end record Redis refuses is still in the log line, with a warning.
      await record(job, `${kind}.${job.state === 'done' ? 'finished' : 'failed'}`).catch(onAuditFailed);
    })();
    return job;
  }

  return {
    get(id: string): ReplayJob | undefined {
      return jobs.get(id);
    },
    get running(): ReplayJob | undefined {
      return running?.job;
    },
    /** Counts what `selection` would replay; publishes nothing. */
    dryRun(by: string, selection: Selection): Promise<ReplayJob> {
      return start(by, selection, true);
    },
    /** Replays what the dry run `dryRunId` counted: its ranges and its reason, nothing that arrived since. */
    async confirm(by: string, dryRunId: string): Promise<ReplayJob> {
      const dry = jobs.get(dryRunId);
      if (!dry?.dryRun || dry.state !== 'done' || !dry.report)
        throw httpError('dry_run_required', 'confirm a dry run that has finished');
      if (now() - (dry.finishedAt ?? 0) > DRY_RUN_VALID_MS)
        throw httpError('dry_run_required', 'that dry run is more than 10 minutes old: count again before replaying');
      const confirmed = dry.confirmedAs;
      if (confirmed) {
        throw httpError('dry_run_required', `that dry run was confirmed already (replay ${confirmed}): count again`);
      }
      const replay = await start(by, dry.selection, false, { id: dry.id, ranges: dry.report.ranges });
      dry.confirmedAs = replay.id;
      return replay;
    },
    /**
     * Ends the running job `id` early, for `by` (what it sent stays sent, each record once); audited as failed, naming
     * them.
     */
    cancel(by: string, id: string): ReplayJob {
      if (!running || running.job.id !== id)
        throw httpError('replay_not_running', 'that replay is not running: nothing to cancel');
      running.abort.abort(new Error(`cancelled by ${by}`));
      return running.job;
    },
    /** Stops a running replay (what it sent stays sent) and waits for its audit record. */
    async stop(): Promise<void> {
      running?.abort.abort(new Error('the viewer is stopping'));
      await running?.done;
    },
  };
}

export type ReplayJobs = ReturnType<typeof createReplayJobs>;
