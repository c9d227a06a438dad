import type { Selection } from '../dlq/replay-jobs.js';
import { describeSelection } from '../dlq/replay-page.js';
import { html } from '../http/html.js';
import { layout } from '../http/layout.js';
import type { AuditEntry } from './audit-log.js';

const outcome = (
  counts: { read?: number; replayed?: number; alreadyStored?: number },
  refused: string,
  dryRun: boolean,
) =>
  `read ${counts.read ?? 0}, ${dryRun ? 'would replay' : 'replayed'} ${counts.replayed ?? 0}, ` +
  `already stored ${counts.alreadyStored ?? 0}${refused ? `, still refused: ${refused}` : ''}`;

export function renderAuditPage(entries: AuditEntry[], next: string | undefined): string {
  const row = ({ at, record }: AuditEntry) => {
    const counts = record.counts as
      | { read?: number; replayed?: number; alreadyStored?: number; stillRefused?: Record<string, number> }
      | undefined;
    const refused = Object.entries(counts?.stillRefused ?? {})
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    return html`<tr data-job="${record.job}" data-action="${record.action}">
<td><time datetime="${new Date(at).toISOString()}">${new Date(at).toISOString().replace('T', ' ').replace('Z', '')}\
</time></td>
<td>${record.who}</td>
<td><code>${record.action}</code></td>
<td>${describeSelection(record.selection as Selection)}</td>
<td>${counts ? outcome(counts, refused, record.action.startsWith('dlq.dry_run.')) : ''}${
      record.error
        ? html` \
<span class="error">${record.error}</span>`
        : ''
    }</td>
</tr>`;
  };
  return layout({
    title: 'Audit log',
    main: html`<main>
<table id="audit" class="events">
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Selection\
</th><th scope="col">Outcome</th></tr></thead>
<tbody>${entries.map(row)}</tbody>
</table>
${entries.length === 0 ? html`<p id="empty">Nothing audited within AUDIT_RETENTION.</p>` : ''}
${next ? html`<nav><a rel="next" href="${next}">Older entries →</a></nav>` : ''}
</main>`,
  });
}
