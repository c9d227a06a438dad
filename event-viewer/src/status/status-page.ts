import { type Html, html } from '../http/html.js';
import { layout } from '../http/layout.js';
import type { HistoryPoint, PipelineSnapshot } from './pipeline-status.js';

const WIDTH = 600;
const HEIGHT = 100;

interface Series {
  name: string;
  className: string;
  values: (number | null)[];
}

/** Lines over the history's samples (oldest left), scaled to the largest value; a gap where a value is unknown. */
function lineChart(id: string, label: string, unit: string, series: Series[]): Html {
  const count = Math.max(...series.map((s) => s.values.length), 1);
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const x = (i: number) => (count === 1 ? WIDTH : (i * WIDTH) / (count - 1)).toFixed(1);
  const y = (v: number) => (HEIGHT - 2 - (v / max) * (HEIGHT - 4)).toFixed(1);
  const lines = series.map((s) => {
    let d = '';
    let pen = 'M';
    s.values.forEach((v, i) => {
      if (v === null) {
        pen = 'M';
        return;
      }
      d += `${pen}${x(i)} ${y(v)} `;
      pen = 'L';
    });
    return html`<path class="${s.className}" d="${d.trim()}"><title>${s.name}</title></path>`;
  });
  const legend = series.map((s) => {
    const last = s.values[s.values.length - 1];
    return html`<span class="${s.className}">${s.name}: ${
      last === null || last === undefined ? '?' : formatNumber(last)
    }${unit}</span> `;
  });
  return html`<figure>\
<svg id="${id}" class="line-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}" \
preserveAspectRatio="none">${lines}</svg>
<figcaption>${label} · ${legend} · peak ${formatNumber(max)}${unit}</figcaption></figure>`;
}

function formatNumber(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

const unknown = (source: string) => html`<p class="error">not known: ${source} did not answer at the last sample</p>`;

/** The status page's main part: what /status?part=main sends the page every few seconds. */
export function renderStatusMain(s: PipelineSnapshot, sampleMs: number): Html {
  const history: HistoryPoint[] = s.history;
  const minutes = Math.round((history.length * sampleMs) / 60_000);
  const lag = s.lag;
  return html`<main id="status-main" data-at="${s.at}">
<section id="lag"><h2>Consumer group ${s.group?.id ?? ''}</h2>
${
  lag
    ? html`<p class="headline">lag <strong id="lag-records">${lag.records}</strong> records · oldest waiting \
<strong id="lag-seconds">${lag.seconds.toFixed(1)}</strong> s</p>`
    : unknown('Kafka')
}
${lineChart('lag-chart', `Lag, last ${minutes} min`, '', [
  { name: 'records', className: 's1', values: history.map((h) => h.lagRecords) },
])}
${
  s.partitions
    ? html`<table class="events"><thead><tr><th scope="col">Partition</th><th scope="col">End offset</th>\
<th scope="col">Committed</th><th scope="col">Lag (records)</th><th scope="col">Lag (s)</th><th scope="col">Held by\
</th><th scope="col">State</th></tr></thead>
<tbody>${s.partitions.map(
        (p) =>
          html`<tr data-partition="${p.partition}"><td>${p.partition}</td><td>${p.high}</td><td>${p.committed}</td>\
<td>${p.lagRecords}</td><td>${p.lagSecondsAtLeast ? '≥ ' : ''}${p.lagSeconds.toFixed(1)}</td>\
<td>${p.member ?? html`<span class="warn">nobody</span>`}</td>\
<td class="state-${p.state}" title="${p.stateReason}">${p.state.toUpperCase()}</td></tr>`,
      )}</tbody></table>`
    : ''
}
${
  s.group
    ? html`<p>state ${s.group.state} · ${s.group.members.length} member${
        s.group.members.length === 1 ? '' : 's'
      }: ${s.group.members.map(
        (m) => html`<code>${m.clientId}\
</code> (${m.host}) partitions ${m.partitions.join(', ') || 'none'}; `,
      )}</p>`
    : unknown('the group coordinator')
}
</section>
<section id="rates"><h2>Events per second</h2>
${lineChart('rate-lines', `Published (topic end offsets) and stored (event_stream), last ${minutes} min`, '/s', [
  { name: 'published', className: 's1', values: history.map((h) => h.publishedPerSecond) },
  { name: 'stored', className: 's2', values: history.map((h) => h.storedPerSecond) },
])}
</section>
<section id="dlq"><h2><a href="/dlq">Dead letters</a></h2>
${
  s.dlq
    ? html`<p><strong id="dlq-depth">${s.dlq.depth}</strong> in the dead-letter topic.</p>
${
  s.dlq.newest.length
    ? html`<ul>${s.dlq.newest.map(
        (d) => html`<li>\
<time datetime="${d.refusedAt}">${d.refusedAt.replace('T', ' ').replace('Z', '')}</time> <code>${d.reason}\
</code> ${d.message}</li>`,
      )}</ul>`
    : ''
}`
    : unknown('Kafka')
}
</section>
<section id="redis"><h2>Redis</h2>
${
  s.redis
    ? html`<p>${s.redis.role} · memory <strong id="redis-used">${formatBytes(s.redis.usedBytes)}\
</strong> of ${s.redis.maxBytes > 0 ? formatBytes(s.redis.maxBytes) : 'no budget (maxmemory 0)'}${
        s.redis.maxBytes > 0 ? ` (${((100 * s.redis.usedBytes) / s.redis.maxBytes).toFixed(1)} %)` : ''
      }${s.redis.sentinel ? ' · found through Sentinel' : ''}</p>
${
  s.redis.replicas.length
    ? html`<ul>${s.redis.replicas.map(
        (r) => html`<li>replica ${r.address}: ${r.state}, ${r.lagSeconds} s behind\
</li>`,
      )}\
</ul>`
    : s.redis.sentinel
      ? html`<p class="warn">no replica connected</p>`
      : ''
}`
    : unknown('Redis')
}
</section>
<section id="kafka"><h2>Kafka</h2>
${
  s.kafka
    ? html`<p>${s.kafka.brokers.length} broker${s.kafka.brokers.length === 1 ? '' : 's'}: ${s.kafka.brokers.map(
        (b) => html`${b.nodeId}${b.nodeId === s.kafka!.controller ? ' (controller)' : ''} ${b.address}; `,
      )}</p>
<p>under-replicated partitions <strong id="under-replicated">${s.kafka.underReplicated}\
</strong> · without a leader ${s.kafka.offline}</p>`
    : unknown('Kafka')
}
</section>
${
  s.errors.length
    ? html`<p id="status-errors" class="error">${s.errors.map((e) => `${e.source}: ${e.message}`).join(' · ')}</p>`
    : ''
}
<p class="chart-scale">sampled ${s.at.replace('T', ' ').replace('Z', '')} UTC, every ${sampleMs / 1000} s</p>
</main>`;
}

export function renderStatusPage(s: PipelineSnapshot, sampleMs: number): string {
  return layout({
    title: 'Status',
    section: 'status',
    script: true,
    data: { 'status-refresh-ms': sampleMs },
    header: html`<p><a href="/metrics">Metrics</a> (Prometheus text)</p>`,
    main: renderStatusMain(s, sampleMs),
  });
}
