import type { RateBucket, StoredEvent } from './event-store.js';
import { type Html, html } from './html.js';

const RESERVED_SHOWN = new Set(['event_id', 'user_id', 'timestamp', 'action']);

function row({ json, timestamp }: StoredEvent): Html {
  const event = JSON.parse(json) as Record<string, unknown>;
  const rest = Object.fromEntries(Object.entries(event).filter(([key]) => !RESERVED_SHOWN.has(key)));
  const time = new Date(timestamp).toISOString();
  const user = String(event.user_id);
  return html`<tr data-event-id="${event.event_id}">
<td><time datetime="${time}">${time.replace('T', ' ').replace('Z', '')}</time></td>
<td><a href="/events/${encodeURIComponent(user)}">${user}</a></td>
<td>${event.action === undefined ? '' : typeof event.action === 'string' ? event.action : JSON.stringify(event.action)}</td>
<td><code>${JSON.stringify(rest)}</code><div class="id">${event.event_id}</div></td>
</tr>`;
}

/** The events-per-second chart as inline SVG, so it shows without JavaScript. */
export function renderChart(buckets: RateBucket[], bucketMs: number): Html {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const width = 600;
  const height = 80;
  const barWidth = width / Math.max(buckets.length, 1);
  const peak = (max * 1000) / bucketMs;
  const bars = buckets.map((b, i) => {
    const h = Math.round((b.count / max) * (height - 2));
    return html`<rect x="${(i * barWidth).toFixed(1)}" y="${height - h}" width="${Math.max(barWidth - 1, 1).toFixed(1)}" height="${h}"><title>${new Date(b.start).toISOString()}: ${((b.count * 1000) / bucketMs).toFixed(1)}/s</title></rect>`;
  });
  return html`<svg id="rate-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="events per second" data-bucket-ms="${bucketMs}">${bars}</svg>
<p class="chart-scale">peak <span id="rate-peak">${peak.toFixed(1)}</span> events/s · each bar ${bucketMs / 1000} s</p>`;
}

export interface PageOptions {
  title: string;
  events: StoredEvent[];
  chart?: Html;
  nextHref?: string;
  /** Only the newest page takes live rows. */
  live: boolean;
  limit: number;
  emptyText: string;
}

export function renderEventsPage({ title, events, chart, nextHref, live, limit, emptyText }: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · EventStreamApp</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/live.js" defer></script>
</head>
<body data-live="${live ? 'on' : 'off'}" data-limit="${limit}">
<header>
<h1><a href="/events">EventStreamApp</a> · ${title}</h1>
<p id="status"><span id="shown">${events.length}</span> shown${live ? html` · live: <span id="live-state">connecting…</span>` : ''}</p>
</header>
${chart ? html`<section class="chart"><h2>Events per second</h2>${chart}</section>` : ''}
<table id="events">
<thead><tr><th>Time (UTC)</th><th>User</th><th>Action</th><th>Event</th></tr></thead>
<tbody>${events.map(row)}</tbody>
</table>
${events.length === 0 ? html`<p id="empty">${emptyText}</p>` : ''}
${nextHref ? html`<nav><a rel="next" href="${nextHref}">Older events →</a></nav>` : ''}
</body>
</html>
`.text;
}

export function renderErrorPage(status: number, message: string): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} · EventStreamApp</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><h1>${status}</h1><p class="error">${message}</p><p><a href="/events">All events</a></p></body></html>
`.text;
}
