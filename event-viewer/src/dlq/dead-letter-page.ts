import type { PartitionEnds } from '@eventstreamapp/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { sendCompressible } from '../http/compress.js';
import { httpError } from '../http/errors.js';
import { html } from '../http/html.js';
import { cursor, parseInput, reasonSchema, wholeNumber } from '../http/inputs.js';
import { layout } from '../http/layout.js';
import type { DeadLetter, DeadLetterWindow } from './dead-letters.js';
import { showBytes } from './raw-bytes.js';
import type { ReplayJob } from './replay-jobs.js';
import { renderLetterReplay, renderReplayForms } from './replay-page.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** Characters of a value shown in its row before the expand. */
const SUMMARY_CHARS = 120;

/** Where a page starts: after the letter refused at `refusedAt` in `partition` at `offset` (newest first). */
interface Cursor {
  refusedAt: number;
  partition: number;
  offset: number;
}

interface DlqQuery {
  limit: number;
  partition?: number;
  reason?: string;
  before?: Cursor;
}

/** The query of /dlq: how many letters, which partition and reason, and where a page starts. */
export const dlqQuerySchema = z.object({
  limit: wholeNumber(1, MAX_LIMIT).optional(),
  partition: wholeNumber(0, 100_000).optional(),
  reason: reasonSchema.optional(),
  before: cursor(/^\d{1,15}\.\d{1,6}\.\d{1,15}$/).optional(),
});

function parseDlqQuery(query: Record<string, unknown>): DlqQuery {
  const { limit, partition, reason, before } = parseInput(dlqQuerySchema, query);
  const [refusedAt, inPartition, offset] = (before?.split('.') ?? []).map(Number);
  return {
    limit: limit ?? DEFAULT_LIMIT,
    ...(partition === undefined ? {} : { partition }),
    ...(reason ? { reason } : {}),
    ...(before ? { before: { refusedAt: refusedAt!, partition: inPartition!, offset: offset! } } : {}),
  };
}

/**
 * Whether `letter` comes after the cursor in the window's order (newest refusal first, then partition, then offset
 * down).
 */
function isAfter(letter: DeadLetter, c: Cursor): boolean {
  if (letter.refusedAt !== c.refusedAt) return letter.refusedAt < c.refusedAt;
  if (letter.partition !== c.partition) return letter.partition > c.partition;
  return letter.offset < c.offset;
}

function queryString(q: DlqQuery, before: DeadLetter): string {
  const params = new URLSearchParams();
  params.set('limit', String(q.limit));
  if (q.partition !== undefined) params.set('partition', String(q.partition));
  if (q.reason) params.set('reason', q.reason);
  params.set('before', `${before.refusedAt}.${before.partition}.${before.offset}`);
  return params.toString();
}

/** A dead letter as the JSON API answers it: everything shown, the value as readable text (raw-bytes.ts). */
function describe(letter: DeadLetter) {
  const cut = letter.preview !== null && letter.preview.length < letter.bytes;
  const value = letter.preview ? showBytes(letter.preview, cut) : undefined;
  return {
    partition: letter.partition,
    offset: letter.offset,
    refusedAt: new Date(letter.refusedAt).toISOString(),
    reason: letter.origin.reason,
    message: letter.origin.message,
    source: {
      ...(letter.origin.topic === undefined ? {} : { topic: letter.origin.topic }),
      ...(letter.origin.partition === undefined ? {} : { partition: letter.origin.partition }),
      ...(letter.origin.offset === undefined ? {} : { offset: letter.origin.offset }),
    },
    key: letter.key ? showBytes(letter.key).text : null,
    bytes: letter.bytes,
    value: value?.text ?? null,
    valueIsUtf8: value?.utf8 ?? true,
    valueShownBytes: letter.preview?.length ?? 0,
  };
}

type Described = ReturnType<typeof describe>;

function renderRow(d: Described, csrfToken: string | undefined) {
  const value = d.value ?? '';
  const more = d.bytes - d.valueShownBytes;
  const origin =
    d.source.topic === undefined
      ? 'unknown'
      : `${d.source.topic} ${d.source.partition ?? '?'}:${d.source.offset ?? '?'}`;
  return html`<tr data-reason="${d.reason}" data-offset="${d.partition}:${d.offset}">
<td><time datetime="${d.refusedAt}">${d.refusedAt.replace('T', ' ').replace('Z', '')}</time></td>
<td><code>${d.reason}</code><div class="id">${d.message}</div></td>
<td>${origin}</td>
<td>${d.partition}:${d.offset}${csrfToken === undefined ? '' : renderLetterReplay(csrfToken, d.partition, d.offset)}\
</td>
<td>${d.bytes} B${d.valueIsUtf8 ? '' : html` <span class="warn">not UTF-8</span>`}</td>
<td><details><summary><code>${value.length > SUMMARY_CHARS ? `${value.slice(0, SUMMARY_CHARS)}…` : value}</code>\
</summary><pre>${value}\
</pre>${
    more > 0
      ? html`<p class="cut">… ${more} more bytes not kept by the viewer (DLQ_PREVIEW_BYTES); make kafka-consume or \
make \
dlq-replay reach the record.</p>`
      : ''
  }${d.key !== null ? html`<div class="id">key ${d.key}</div>` : ''}</details></td>
</tr>`;
}

/** What an operator's page adds: the replay forms, with the CSRF token they carry. */
interface OperatorControls {
  csrfToken: string;
  running?: ReplayJob;
}

export interface DeadLetterPageDeps {
  window: Pick<DeadLetterWindow, 'letters' | 'ends' | 'following'>;
  topic: string;
  perPartition: number;
  /** The replay controls for this request's user, or undefined (a reader, or a viewer without Kafka's replay). */
  operatorControls?: (res: Response) => OperatorControls | undefined;
}

/** GET /dlq: the newest dead letters held by the viewer's window, paged, as HTML or JSON. */
export function createDeadLetterRoute({ window, topic, perPartition, operatorControls }: DeadLetterPageDeps) {
  return async function deadLetters(req: Request, res: Response, format: 'html' | 'json'): Promise<void> {
    const q = parseDlqQuery(req.query);
    let ends: PartitionEnds[] | undefined;
    try {
      ends = await window.ends();
    } catch (err) {
      if (!window.following)
        throw httpError('kafka_unavailable', 'Kafka is not reachable: the dead letters cannot be read', undefined, err);
    }
    const selected = window
      .letters()
      .filter(
        (l) =>
          (q.partition === undefined || l.partition === q.partition) && (!q.reason || l.origin.reason === q.reason),
      );
    const start = q.before ? selected.findIndex((l) => isAfter(l, q.before!)) : 0;
    const page = start < 0 ? [] : selected.slice(start, start + q.limit);
    const last = page[page.length - 1];
    const next = last && start + q.limit < selected.length ? `/dlq?${queryString(q, last)}` : undefined;
    if (next) res.setHeader('link', `<${next}>; rel="next"`);
    const depth = ends?.reduce((sum, p) => sum + p.high - p.low, 0);
    const letters = page.map(describe);
    const controls = operatorControls?.(res);
    // The page differs by who asks (an operator's carries a token): no shared cache may keep it.
    res.set('cache-control', 'private, no-store');
    if (format === 'json') {
      const body = {
        topic,
        depth: depth ?? null,
        partitions: ends ?? null,
        windowPerPartition: perPartition,
        deadLetters: letters,
        ...(controls ? { csrfToken: controls.csrfToken } : {}),
      };
      return sendCompressible(req, res, {
        contentType: 'application/json; charset=utf-8',
        body: Buffer.from(JSON.stringify(body)),
      });
    }
    const summary =
      depth === undefined
        ? 'Kafka is not answering; showing what the viewer holds.'
        : `${depth} dead letter${depth === 1 ? '' : 's'} in ${topic} (${ends!.length} partition${
            ends!.length === 1 ? '' : 's'
          }); the viewer keeps the newest ${perPartition} of each partition.`;
    const page_ = layout({
      title: 'Dead letters',
      section: 'dlq',
      header: html`<p id="dlq-summary">${summary}</p>
<form method="get" action="/dlq" role="search">
<label>reason <input name="reason" value="${q.reason ?? ''}" autocomplete="off" placeholder="too_large"></label>
<label>partition <input name="partition" value="${q.partition ?? ''}" inputmode="numeric" size="4"></label>
<input type="hidden" name="limit" value="${q.limit}">
<button type="submit">Filter</button> <a href="/dlq">Clear</a>
</form>
${controls ? renderReplayForms(controls.csrfToken, q, controls.running) : ''}`,
      main: html`<main>
<table id="dead-letters" class="events">
<thead><tr><th scope="col">Refused (UTC)</th><th scope="col">Reason</th><th scope="col">From</th>\
<th scope="col">DLQ record</th><th scope="col">Size</th><th scope="col">Value</th></tr></thead>
<tbody>${letters.map((d) => renderRow(d, controls?.csrfToken))}</tbody>
</table>
${
  letters.length === 0
    ? html`<p id="empty">No dead letters${q.reason || q.partition !== undefined ? ' match' : ''}.\
</p>`
    : ''
}
<p>Replay the ones whose cause is fixed: ${
        controls ? 'with the buttons above, or ' : 'an operator can, from this page, or '
      }<code>make dlq-replay</code> (README, “Operating it”).</p>
${next ? html`<nav><a rel="next" href="${next}">Older dead letters →</a></nav>` : ''}
</main>`,
    });
    return sendCompressible(req, res, { contentType: 'text/html; charset=utf-8', body: Buffer.from(page_) });
  };
}
