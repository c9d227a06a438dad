import { CSRF_FIELD } from '../http/csrf.js';
import { type Html, html } from '../http/html.js';
import { layout } from '../http/layout.js';
import type { ReplayJob, Selection } from './replay-jobs.js';

/** A selection in words: what the operator picked. */
/** A selection in words, as the replay's page and the audit log show it. */
export function describeSelection(s: Selection): string {
  const where = s.partition === undefined ? 'every partition' : `partition ${s.partition}`;
  const one = s.fromOffset !== undefined && s.toOffset === s.fromOffset + 1;
  const span = one
    ? `the dead letter at offset ${s.fromOffset}`
    : `offsets ${s.fromOffset ?? 'oldest'} to ${s.toOffset === undefined ? 'the end' : `${s.toOffset - 1}`}`;
  return `${span} of ${where}${s.reason ? `, refused for ${s.reason}` : ''}`;
}

/** A job as the JSON API answers it. */
export function describeJob(job: ReplayJob) {
  return {
    id: job.id,
    dryRun: job.dryRun,
    state: job.state,
    by: job.by,
    selection: job.selection,
    ...(job.dryRunOf ? { dryRunOf: job.dryRunOf } : {}),
    startedAt: new Date(job.startedAt).toISOString(),
    ...(job.finishedAt === undefined ? {} : { finishedAt: new Date(job.finishedAt).toISOString() }),
    ...(job.report ? { report: job.report } : {}),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
}

function countsTable(job: ReplayJob): Html {
  const r = job.report;
  if (!r) return html`<p>Reading the dead-letter topic…</p>`;
  const refused = Object.entries(r.stillRefused);
  const verb = job.dryRun ? 'Would replay' : 'Replayed';
  return html`<table id="replay-counts" class="events">
<tbody>
<tr><th scope="row">Dead letters read</th><td data-count="read">${r.read}</td></tr>
<tr><th scope="row">${verb}</th><td data-count="replayed">${r.replayed}</td></tr>
<tr><th scope="row">Already stored</th><td data-count="alreadyStored">${r.alreadyStored}</td></tr>
${refused.map(
  ([code, n]) => html`<tr><th scope="row">Still refused: <code>${code}</code></th>\
<td data-count="refused-${code}">${n}</td></tr>`,
)}
${
  r.notSelected
    ? html`<tr><th scope="row">Other reasons (not selected)</th>\
<td data-count="notSelected">${r.notSelected}</td></tr>`
    : ''
}
</tbody>
</table>
<p class="id">Ranges read (partition: from..to): ${
    r.ranges
      .map(
        (x) => `${x.partition}: \
${x.from}..${x.to}`,
      )
      .join(', ') || 'none'
  }</p>`;
}

function nextStep(job: ReplayJob, csrfToken: string): Html {
  if (job.state === 'running')
    return html`<form id="cancel-replay" method="post" action="/dlq/replay/${job.id}/cancel">
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
<p id="replay-state">Running… this page reloads every second.</p>
<button type="submit">Cancel</button> <span class="id">what was sent stays sent, each record once</span>
</form>`;
  if (job.state === 'failed')
    return html`<p id="replay-state" class="error">Failed: ${job.error ?? 'unknown error'}</p>`;
  const n = job.report?.replayed ?? 0;
  if (!job.dryRun)
    return html`<p id="replay-state">Done: ${n} replayed. <a href="/audit">Audit log</a> · <a href="/dlq">Dead letters\
</a></p>`;
  if (n === 0)
    return html`<p id="replay-state">Nothing to replay: every selected letter is stored already or still refused.</p>`;
  if (job.confirmedAs)
    return html`<p id="replay-state">Confirmed: <a href="/dlq/replay/${job.confirmedAs}">replay ${job.confirmedAs}</a>.
      Count again to replay more.</p>`;
  return html`<form id="confirm-replay" method="post" action="/dlq/replay/${job.id}/confirm">
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
<p id="replay-state">The dry run is done. Replaying sends these ${n} records back to the events topic; the consumer \
stores each once.</p>
<button type="submit">Replay ${n} dead letter${n === 1 ? '' : 's'}</button> <a href="/dlq">Cancel</a>
</form>`;
}

export function renderReplayPage(job: ReplayJob, csrfToken: string): string {
  return layout({
    title: job.dryRun ? 'Replay: dry run' : 'Replay',
    section: 'dlq',
    ...(job.state === 'running' ? { refreshSeconds: 1 } : {}),
    header: html`<p id="replay-summary">${
      job.dryRun ? 'Dry run' : 'Replay'
    } of ${describeSelection(job.selection)}, started by <b>${job.by}</b> at \
<time>${new Date(job.startedAt).toISOString()}</time>.</p>`,
    main: html`<main data-job="${job.id}" data-state="${job.state}">
${countsTable(job)}
${nextStep(job, csrfToken)}
</main>`,
  });
}

/** The forms an operator sees on /dlq: one per letter (in its row), and these two above the table. */
export function renderReplayForms(
  csrfToken: string,
  filter: { partition?: number; reason?: string },
  running?: ReplayJob,
): Html {
  const hidden = (name: string, value: string | number | undefined) =>
    value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`;
  return html`<section id="replay" aria-label="Replay">
${
  running
    ? html`<p id="replay-running" class="warn">A ${running.dryRun ? 'dry run' : 'replay'} is running: \
<a href="/dlq/replay/${running.id}">follow it</a>.</p>`
    : ''
}
<form method="post" action="/dlq/replay" id="replay-filter">
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">${hidden(
    'partition',
    filter.partition,
  )}${hidden('reason', filter.reason)}
<button type="submit">Replay what this filter selects…</button> \
<span class="id">every dead letter in Kafka${filter.reason ? ` refused for ${filter.reason}` : ''}${
    filter.partition === undefined ? '' : ` in partition ${filter.partition}`
  }, not only those listed; a dry run counts them first</span>
</form>
<form method="post" action="/dlq/replay" id="replay-from">
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">
<label>from offset <input name="from_offset" inputmode="numeric" size="8" required></label>
<label>partition <input name="partition" inputmode="numeric" size="4" placeholder="all"></label>
<button type="submit">Replay from this offset…</button>
</form>
<p><a href="/audit">Audit log</a></p>
</section>`;
}

/** The button in a letter's row. */
export function renderLetterReplay(csrfToken: string, partition: number, offset: number): Html {
  return html`<form method="post" action="/dlq/replay" class="replay-one">
<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">\
<input type="hidden" name="partition" value="${partition}"><input type="hidden" name="from_offset" value="${offset}">\
<input type="hidden" name="to_offset" value="${offset + 1}">
<button type="submit">Replay…</button>
</form>`;
}
