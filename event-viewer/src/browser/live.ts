/**
 * The page's only script, served from 'self' under a Content-Security-Policy without inline
 * scripts. Rows arrive rendered by the server (the same renderer as the page) over server-sent
 * events; this only places them, pauses and resumes, and redraws the chart. Without it the page
 * still works, just without live rows.
 */
export {};

const body = document.body;
const tbody = document.querySelector<HTMLTableSectionElement>('#events tbody');
const limit = Number(body.dataset.limit) || 50;
const state = document.getElementById('live-state');
const pauseButton = document.getElementById('pause') as HTMLButtonElement | null;
const pausedCount = document.getElementById('paused-count');

/** Rows that arrived while paused, oldest first; only the newest `limit` can ever be shown. */
let held: HTMLTableRowElement[] = [];
let heldTotal = 0;
let paused = false;

function showCount(): void {
  const shown = document.getElementById('shown');
  if (shown && tbody) shown.textContent = String(tbody.rows.length);
}

function place(rows: HTMLTableRowElement[]): void {
  if (!tbody) return;
  for (const row of rows) {
    // Already on the page (read with it, or sent twice around a reconnect): keep one.
    if (document.getElementById(row.id)) continue;
    row.classList.add('fresh');
    tbody.prepend(row);
  }
  while (tbody.rows.length > limit) tbody.deleteRow(tbody.rows.length - 1);
  document.getElementById('empty')?.remove();
  showCount();
}

function setPaused(value: boolean): void {
  paused = value;
  if (!pauseButton || !pausedCount) return;
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  pauseButton.setAttribute('aria-pressed', String(paused));
  if (!paused) {
    place(held);
    held = [];
    heldTotal = 0;
  }
  pausedCount.hidden = !paused;
  pausedCount.textContent = '';
}

function receive(html: string): void {
  const template = document.createElement('template');
  template.innerHTML = html;
  const rows = Array.from(template.content.querySelectorAll('tr'));
  if (!paused) {
    place(rows);
    return;
  }
  held.push(...rows);
  heldTotal += rows.length;
  if (held.length > limit) held = held.slice(held.length - limit);
  if (pausedCount) pausedCount.textContent = `${heldTotal} new while paused`;
}

function liveUrl(): string {
  const params = new URLSearchParams();
  const page = new URLSearchParams(location.search);
  // The page's filter and search apply to its live rows too; the filter form names its fields (FILTER_FIELDS).
  for (const input of document.querySelectorAll<HTMLInputElement>('#filters input[name]')) {
    const value = input.name === 'limit' ? null : page.get(input.name);
    if (value) params.set(input.name, value);
  }
  const userPage = /^\/events\/([^/]+)$/.exec(location.pathname);
  if (userPage?.[1]) params.set('user_id', decodeURIComponent(userPage[1]));
  if (body.dataset.streamId) params.set('since', body.dataset.streamId);
  return `/live?${params}`;
}

if (tbody && body.dataset.live === 'on') {
  const source = new EventSource(liveUrl());
  source.addEventListener('open', () => {
    if (state) state.textContent = 'on';
  });
  source.addEventListener('error', () => {
    if (state) state.textContent = 'reconnecting…';
  });
  source.addEventListener('rows', (message) => receive((message as MessageEvent<string>).data));
  source.addEventListener('gap', (message) => {
    const gap = document.getElementById('gap');
    if (!gap) return;
    gap.textContent = (message as MessageEvent<string>).data;
    gap.hidden = false;
  });
  pauseButton?.addEventListener('click', () => setPaused(!paused));
}

const chart = document.querySelector('section.chart');

/** The chart, redrawn by the server's own renderer: /rate answers HTML to a page that asks for it. */
async function refreshChart(): Promise<void> {
  if (!chart) return;
  try {
    const response = await fetch('/rate', { headers: { accept: 'text/html' } });
    if (!response.ok) return;
    const template = document.createElement('template');
    template.innerHTML = await response.text();
    chart.replaceChildren(...template.content.childNodes);
  } catch {
    // The next refresh tries again; the chart keeps its last bars meanwhile.
  }
}

if (chart) setInterval(refreshChart, 5_000);

const statusRefreshMs = Number(body.dataset.statusRefreshMs);

/** The status page's main part, rendered again by the server (the same renderer) and swapped in. */
async function refreshStatus(): Promise<void> {
  try {
    const response = await fetch('/status?part=main', { headers: { accept: 'text/html' } });
    if (!response.ok) return;
    const template = document.createElement('template');
    template.innerHTML = await response.text();
    const main = template.content.querySelector('main');
    if (main) document.getElementById('status-main')?.replaceWith(main);
  } catch {
    // The next refresh tries again; the page keeps what it shows meanwhile.
  }
}

if (statusRefreshMs > 0) setInterval(refreshStatus, statusRefreshMs);
