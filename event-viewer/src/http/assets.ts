import { readFileSync } from 'node:fs';

/**
 * The page's script: src/browser/live.ts, compiled with the rest (tsconfig.browser.json). Read once
 * at start from dist/ — the same path from src/ (tests) and from dist/ (the service).
 */
export function loadLiveScript(): string {
  const url = new URL('../../dist/browser/live.js', import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch {
    throw new Error(`the page script is not built (${url.pathname}): run npm run build`);
  }
}

export const STYLE_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 1rem; }
h1 { font-size: 1.3rem; } h1 a { color: inherit; text-decoration: none; }
h2 { font-size: 1rem; margin: 0.5rem 0; }
form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.4rem 0; }
input { font: inherit; padding: 0.2rem 0.4rem; }
button { font: inherit; padding: 0.2rem 0.7rem; }
:focus-visible { outline: 2px solid #3b82f6; outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #8884; vertical-align: top; }
td code { white-space: pre-wrap; word-break: break-all; }
td pre { white-space: pre-wrap; word-break: break-all; margin: 0.3rem 0; }
summary { cursor: pointer; }
.id { color: #888; font-size: 0.75rem; }
.warn { color: #b45309; font-weight: 600; }
.state-warning, .state-rewind { color: #b45309; font-weight: 600; }
.state-stall, .state-stop { color: #b91c1c; font-weight: 600; }
.line-chart { width: 100%; max-width: 600px; height: 100px; background: #8881; }
.line-chart path { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
path.s1 { stroke: #3b82f6; } path.s2 { stroke: #16a34a; }
span.s1 { color: #3b82f6; } span.s2 { color: #16a34a; }
figure { margin: 0.5rem 0; } figcaption { color: #888; font-size: 0.85rem; }
.headline { font-size: 1.1rem; }
#rate-chart { width: 100%; max-width: 600px; height: 80px; background: #8881; }
#rate-chart rect { fill: #3b82f6; }
.chart-scale, #status { color: #888; font-size: 0.85rem; }
tr.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: #facc1566; } to { background: transparent; } }
.error { color: #dc2626; }
@media (max-width: 640px) {
  .events thead { display: none; }
  .events tr { display: block; border-bottom: 1px solid #8886; padding: 0.3rem 0; }
  .events td { display: block; border: 0; padding: 0.1rem 0.3rem; }
}
`;
