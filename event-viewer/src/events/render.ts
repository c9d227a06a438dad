import { createLru } from '@eventstreamapp/service-kit';
import { Html, html } from '../http/html.js';
import { layout, type Section } from '../http/layout.js';
import { type EventFilter, FILTER_FIELDS, filterParams } from '../model/event-filter.js';
import { eventFields, type Journey, type StoredEvent } from '../model/stored-event.js';
import type { Page, RateBucket } from './store.js';

const RESERVED_SHOWN = new Set(['event_id', 'user_id', 'timestamp', 'action']);
const SUMMARY_CHARS = 160;
/**
 * Characters of an event's pretty form shown in its row. A valid 64 KiB event of nested arrays
 * pretty-prints to megabytes; past this the row says how much more there is (the JSON API has it all).
 */
export const PRETTY_CHARS = 8 * 1024;
/** Rendered rows kept, in characters: the newest pages' rows are rendered once. */
const ROW_CACHE_CHARS = 16 * 1024 * 1024;

function formatSize(chars: number): string {
  return chars >= 1024 * 1024 ? `${(chars / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(chars / 1024)} KB`;
}

function text(value: unknown): string {
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One event as a table row — the only row renderer: the server page uses it, and the live feed sends
 * its output to the page as it is. Every value is escaped by `html`; the whole event is one keyboard-
 * reachable <details> away, pretty-printed.
 */
export function renderRow(stored: StoredEvent): Html {
  // A stored event never changes, so neither does its row: the newest rows are rendered once.
  const j = stored.journey;
  const key = j
    ? `${stored.timestamp}|${j.partition}:${j.offset}:${j.publishedAt}:${j.storedAt}|${stored.json}`
    : `${stored.timestamp}|${stored.json}`;
  const cached = rows.get(key);
  if (cached !== undefined) return new Html(cached);
  const row = renderRowOnce(stored);
  rows.set(key, row.text);
  return row;
}

const rows = createLru<string>(ROW_CACHE_CHARS, (row) => row.length);

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/** Where the event went: its Kafka record, when the broker took it and when the consumer stored it. */
function renderJourney(j: Journey): Html {
  return html`<p class="journey">partition ${j.partition} · offset ${j.offset} · published \
<time datetime="${new Date(j.publishedAt).toISOString()}">${clock(j.publishedAt)}</time> · stored \
<time datetime="${new Date(j.storedAt).toISOString()}">${clock(j.storedAt)}</time> · \
<span class="latency">${Math.max(0, j.storedAt - j.publishedAt)} ms</span></p>`;
}

function renderRowOnce(stored: StoredEvent): Html {
  const event = eventFields(stored) ?? {};
  const timestamp = stored.timestamp;
  const rest = JSON.stringify(Object.fromEntries(Object.entries(event).filter(([key]) => !RESERVED_SHOWN.has(key))));
  const time = new Date(timestamp).toISOString();
  const user = String(event.user_id);
  const id = String(event.event_id);
  const pretty = JSON.stringify(event, null, 2);
  const shown =
    pretty.length <= PRETTY_CHARS
      ? html`<pre>${pretty}</pre>`
      : html`<pre>${pretty.slice(0, PRETTY_CHARS)}</pre>\
<p class="cut">… ${formatSize(pretty.length - PRETTY_CHARS)} more not shown: the JSON API (Accept: application/json) \
has the whole event.</p>`;
  return html`<tr id="e-${id}" data-event-id="${id}">
<td><time datetime="${time}">${time.replace('T', ' ').replace('Z', '')}</time></td>
<td><a href="/events/${encodeURIComponent(user)}">${user}</a></td>
<td>${text(event.action)}</td>
<td><details><summary><code>${rest.length > SUMMARY_CHARS ? `${rest.slice(0, SUMMARY_CHARS)}…` : rest}</code>\
</summary>${stored.journey ? renderJourney(stored.journey) : ''}${shown}</details><div class="id">${id}</div></td>
</tr>`;
}

/** A live stream entry as the page's row: undefined for one that is not an event with a timestamp. */
export function renderLiveRow(entry: StoredEvent): string | undefined {
  if (!Number.isFinite(entry.timestamp) || eventFields(entry) === undefined) return undefined;
  return renderRow(entry).text;
}

/**
 * The events-per-second chart as inline SVG with its heading: on the page, and what /rate sends a page refreshing it.
 */
export function renderChart(buckets: RateBucket[], bucketMs: number): Html {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const width = 600;
  const height = 80;
  const barWidth = width / Math.max(buckets.length, 1);
  const peak = (max * 1000) / bucketMs;
  const bars = buckets.map((b, i) => {
    const h = Math.round((b.count / max) * (height - 2));
    return html`<rect x="${(i * barWidth).toFixed(1)}" y="${height - h}" width="${Math.max(barWidth - 1, 1).toFixed(
      1,
    )}" height="${h}"><title>${new Date(b.start).toISOString()}: ${((b.count * 1000) / bucketMs).toFixed(1)}/s\
</title></rect>`;
  });
  return html`<h2>Events per second</h2>\
<svg id="rate-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="events per second" \
data-bucket-ms="${bucketMs}">${bars}</svg>
<p class="chart-scale">peak <span id="rate-peak">${peak.toFixed(1)}</span> events/s · each bar ${bucketMs / 1000} s\
</p>`;
}

export interface PageOptions {
  title: string;
  page: Page;
  filter: EventFilter;
  limit: number;
  chart?: Html;
  nextHref?: string;
  /** The newest page takes live rows, from this stream id on. */
  live: boolean;
  /** Where the filter and time forms send the reader (the page's own path). */
  formAction: string;
  /** A user's latest event (GET event:<user_id>), shown above their list. */
  latest?: StoredEvent;
  emptyText: string;
  /** Shown where the list ends because retention removed what came before. */
  retentionNotice?: string;
  /** The navigation's current page (events unless said). */
  section?: Section;
  /** A filtered page's scan: how many events of the log it read, back to which time. */
  scan?: { count: number; to?: number };
}

function forms(options: PageOptions): Html {
  // On /events/<user_id> the path names the user; elsewhere the form does.
  const userInForm = !options.formAction.startsWith('/events/');
  const fields = FILTER_FIELDS.filter(({ key }) => key !== 'userId' || userInForm);
  // The live page has no past to jump into; the jump keeps the filter.
  const kept = fields.map(({ key, param }) =>
    options.filter[key] === undefined
      ? ''
      : html`<input type="hidden" name="${param}" value="${options.filter[key]}">
`,
  );
  const jump =
    options.section === 'live'
      ? ''
      : html`<form id="jump" method="get" action="${options.formAction}">
${kept}<input type="hidden" name="limit" value="${options.limit}">
<label>events before <input type="datetime-local" name="before" step="1" required> UTC</label>
<button type="submit">Go</button>
</form>`;
  const inputs = fields.map(
    ({ key, param, label, type, placeholder }) =>
      // The line break inside the tag is a line continuation (\ before it): the input stays on one line.
      html`<label>${label} \
<input name="${param}"${type ? html` type="${type}"` : ''} value="${options.filter[key] ?? ''}" \
autocomplete="off"${placeholder ? html` placeholder="${placeholder}"` : ''}></label>
`,
  );
  return html`<form id="filters" method="get" action="${options.formAction}" role="search">
${inputs}<input type="hidden" name="limit" value="${options.limit}">
<button type="submit">Filter</button>
<a href="${options.formAction}">Clear</a>
</form>
${jump}`;
}

/** The download links of a page: its filter's events, newest first (GET /export). */
function exportLinks(filter: EventFilter): Html {
  const params = filterParams(filter);
  const href = (format: string) => `/export?${new URLSearchParams([...params, ['format', format]])}`;
  return html`<p id="export">Download these events: <a href="${href('ndjson')}" download>NDJSON</a> · \
<a href="${href('csv')}" download>CSV</a></p>`;
}

export function renderEventsPage(options: PageOptions): string {
  const { title, page, chart, nextHref, live, limit, latest, emptyText } = options;
  const liveControls = live
    ? html` · live: <span id="live-state">connecting…</span> \
<button type="button" id="pause" aria-pressed="false">Pause</button> <span id="paused-count" hidden></span>`
    : '';
  return layout({
    title,
    section: options.section ?? 'events',
    script: true,
    data: { live: live ? 'on' : 'off', limit, 'stream-id': page.streamId ?? '' },
    header: html`${forms(options)}
<p id="status"><span id="shown">${page.events.length}</span> shown${liveControls}</p>
<p id="gap" class="error" hidden></p>
${options.section === 'live' ? '' : exportLinks(options.filter)}`,
    main: html`<main>
${chart ? html`<section class="chart">${chart}</section>` : ''}
${
  latest
    ? html`<section class="latest">\
<h2>Latest event (event:${String((JSON.parse(latest.json) as { user_id: unknown }).user_id)})</h2>\
<table class="events"><tbody>${renderRow(latest)}</tbody></table></section>`
    : ''
}
<table id="events" class="events">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">User</th><th scope="col">Action</th><th scope="col">Event\
</th></tr></thead>
<tbody>${page.events.map(renderRow)}</tbody>
</table>
${page.events.length === 0 ? html`<p id="empty">${emptyText}</p>` : ''}
${options.retentionNotice ? html`<p id="retention">${options.retentionNotice}</p>` : ''}
${
  options.scan
    ? html`<p id="scan">Searched ${options.scan.count} event${options.scan.count === 1 ? '' : 's'}${
        options.scan.to === undefined
          ? ''
          : html` back to \
<time datetime="${new Date(options.scan.to).toISOString()}">${new Date(options.scan.to)
              .toISOString()
              .replace('T', ' ')
              .slice(0, 19)}</time> UTC`
      }${nextHref ? '; older events continue the search.' : ', to the oldest kept.'}</p>`
    : ''
}
${nextHref ? html`<nav><a rel="next" href="${nextHref}">Older events →</a></nav>` : ''}
</main>`,
  });
}

/** The live page: no history, rows as they are stored from `streamId` on, filtered like the pages. */
export function renderLivePage(filter: EventFilter, streamId: string, limit: number): string {
  return renderEventsPage({
    title: 'Live',
    section: 'live',
    page: { events: [], positions: [], scanned: [], exhausted: false, streamId },
    filter,
    limit,
    live: true,
    formAction: '/live',
    emptyText: 'Waiting for events: each one stored from now on appears here.',
  });
}
