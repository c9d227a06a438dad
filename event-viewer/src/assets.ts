/**
 * The page's only script and stylesheet, served from 'self' so the Content-Security-Policy
 * can forbid every inline script: nothing from an event can ever run.
 */
export const LIVE_JS = `'use strict';
(() => {
  const body = document.body;
  const tbody = document.querySelector('#events tbody');
  const state = document.getElementById('live-state');
  if (!tbody || body.dataset.live !== 'on') return;
  const limit = Number(body.dataset.limit) || 50;
  const reserved = new Set(['event_id', 'user_id', 'timestamp', 'action']);

  function cell(tr, child) {
    const td = document.createElement('td');
    td.append(child);
    tr.append(td);
    return td;
  }

  function row(event) {
    const tr = document.createElement('tr');
    tr.dataset.eventId = String(event.event_id);
    const iso = new Date(event.timestamp).toISOString();
    const time = document.createElement('time');
    time.dateTime = iso;
    time.textContent = iso.replace('T', ' ').replace('Z', '');
    cell(tr, time);
    const user = document.createElement('a');
    user.href = '/events/' + encodeURIComponent(String(event.user_id));
    user.textContent = String(event.user_id);
    cell(tr, user);
    cell(tr, event.action === undefined ? '' : typeof event.action === 'string' ? event.action : JSON.stringify(event.action));
    const rest = {};
    for (const key of Object.keys(event)) if (!reserved.has(key)) rest[key] = event[key];
    const code = document.createElement('code');
    code.textContent = JSON.stringify(rest);
    const id = document.createElement('div');
    id.className = 'id';
    id.textContent = String(event.event_id);
    const td = cell(tr, code);
    td.append(id);
    tr.className = 'fresh';
    return tr;
  }

  function insert(event) {
    if (tbody.querySelector('tr[data-event-id="' + CSS.escape(String(event.event_id)) + '"]')) return;
    const tr = row(event);
    const rows = Array.from(tbody.rows);
    const before = rows.find((r) => Date.parse(r.querySelector('time').dateTime) <= event.timestamp);
    tbody.insertBefore(tr, before || null);
    while (tbody.rows.length > limit) tbody.deleteRow(tbody.rows.length - 1);
    const empty = document.getElementById('empty');
    if (empty) empty.remove();
    const shown = document.getElementById('shown');
    if (shown) shown.textContent = String(tbody.rows.length);
  }

  const source = new EventSource('/live');
  source.addEventListener('open', () => { if (state) state.textContent = 'on'; });
  source.addEventListener('error', () => { if (state) state.textContent = 'reconnecting…'; });
  source.addEventListener('events', (message) => {
    for (const event of JSON.parse(message.data)) insert(event);
  });

  const chart = document.getElementById('rate-chart');
  const peak = document.getElementById('rate-peak');
  async function refreshChart() {
    try {
      const response = await fetch('/rate', { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const { bucket_ms: bucketMs, buckets } = await response.json();
      const max = Math.max(1, ...buckets.map((b) => b.count));
      const width = 600, height = 80, barWidth = width / Math.max(buckets.length, 1);
      const ns = 'http://www.w3.org/2000/svg';
      chart.replaceChildren(...buckets.map((b, i) => {
        const rect = document.createElementNS(ns, 'rect');
        const h = Math.round((b.count / max) * (height - 2));
        rect.setAttribute('x', (i * barWidth).toFixed(1));
        rect.setAttribute('y', String(height - h));
        rect.setAttribute('width', Math.max(barWidth - 1, 1).toFixed(1));
        rect.setAttribute('height', String(h));
        const title = document.createElementNS(ns, 'title');
        title.textContent = new Date(b.start).toISOString() + ': ' + ((b.count * 1000) / bucketMs).toFixed(1) + '/s';
        rect.append(title);
        return rect;
      }));
      if (peak) peak.textContent = ((max * 1000) / bucketMs).toFixed(1);
    } catch {}
  }
  if (chart) setInterval(refreshChart, 5000);
})();
`;

export const STYLE_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 1.5rem; }
h1 { font-size: 1.3rem; } h1 a { color: inherit; text-decoration: none; }
h2 { font-size: 1rem; margin: 0.5rem 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #8884; vertical-align: top; }
td code { white-space: pre-wrap; word-break: break-all; }
.id { color: #888; font-size: 0.75rem; }
#rate-chart { width: 100%; max-width: 600px; height: 80px; background: #8881; }
#rate-chart rect { fill: #3b82f6; }
.chart-scale, #status { color: #888; font-size: 0.85rem; }
tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: #facc1566; } to { background: transparent; } }
.error { color: #dc2626; }
`;
