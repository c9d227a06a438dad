import { type Html, html } from './html.js';

/** The viewer's pages, in the order the navigation shows them. */
const SECTIONS = [
  { id: 'events', href: '/events', label: 'Events' },
  { id: 'live', href: '/live', label: 'Live' },
  { id: 'status', href: '/status', label: 'Status' },
  { id: 'dlq', href: '/dlq', label: 'Dead letters' },
] as const;

export type Section = (typeof SECTIONS)[number]['id'];

export interface LayoutOptions {
  title: string;
  /** The navigation's current page, marked aria-current. */
  section?: Section;
  /** Loads /assets/live.js: live rows, the chart's and the status page's refresh. */
  script?: boolean;
  /** data-* attributes the page's script reads. */
  data?: Record<string, string | number>;
  /** What the header holds below the title and the navigation (forms, a summary). */
  header?: Html;
  main: Html;
  /** Reload the page after this many seconds (a replay's progress), without any script. */
  refreshSeconds?: number;
}

function navigation(current: Section | undefined): Html {
  return html`<nav class="site" aria-label="Sections">${SECTIONS.map(
    (s) => html`<a href="${s.href}"${s.id === current ? html` aria-current="page"` : ''}>${s.label}</a> `,
  )}</nav>`;
}

/** Every HTML page of the viewer: one head, one header with the navigation, then the page's own parts. */
export function layout({
  title,
  section,
  script = false,
  data = {},
  header,
  main,
  refreshSeconds,
}: LayoutOptions): string {
  const attributes = Object.entries(data).map(([name, value]) => html` data-${name}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${refreshSeconds}">`}
<title>${title} · EventStreamApp</title>
<link rel="stylesheet" href="/assets/style.css">
${script ? html`<script type="module" src="/assets/live.js"></script>` : ''}
</head>
<body${attributes}>
<header>
${navigation(section)}
<h1><a href="/events">EventStreamApp</a> · ${title}</h1>
${header}
</header>
${main}
</body>
</html>
`.text;
}

export function renderErrorPage(status: number, message: string): string {
  return layout({
    title: String(status),
    main: html`<main><p class="error">${message}</p><p><a href="/events">All events</a></p></main>`,
  });
}
