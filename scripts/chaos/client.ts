import { randomUUID } from 'node:crypto';
import type { HistoryOp } from './history.ts';
import { randomFrom } from './schedule.ts';

/**
 * One load client of a chaos run, as its own process: publishes `rate` events a second to the
 * generator, each with an event_id of its own choosing (so an unknown outcome can still be looked for),
 * and writes every invoke and outcome to stdout as a history line. An unknown outcome is retried once,
 * the same body again (a client's retry: stored once, says the dedup window).
 *
 *   client.ts URL CLIENT_ID RATE USERS DURATION_MS SEED
 */
const [url, client, rateText, usersText, durationText, seedText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const rate = Number(rateText);
const users = Number(usersText);
const durationMs = Number(durationText);
const random = randomFrom(Number(seedText));
const REQUEST_TIMEOUT_MS = 5_000;
const RETRY_AFTER_MS = 2_000;
const MAX_IN_FLIGHT = 200;

const emit = (op: HistoryOp) => process.stdout.write(`${JSON.stringify(op)}\n`);
let seq = 0;
let inFlight = 0;
const pending = new Set<Promise<void>>();

async function publish(
  body: string,
  event_id: string,
  user_id: string,
  number: number,
  attempt: number,
): Promise<void> {
  emit({ type: 'invoke', time: Date.now(), client, seq: number, event_id, user_id, attempt });
  inFlight++;
  try {
    const res = await fetch(`${url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    const code = (() => {
      try {
        return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        return undefined;
      }
    })();
    if (res.status === 202) emit({ type: 'ok', time: Date.now(), client, seq: number, event_id, json: text });
    else if (res.status < 500)
      emit({
        type: 'fail',
        time: Date.now(),
        client,
        seq: number,
        event_id,
        status: res.status,
        ...(code ? { code } : {}),
      });
    else
      unknown(body, event_id, user_id, number, attempt, { status: res.status, reason: code ?? `HTTP ${res.status}` });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    // Refused: the generator was not listening, so nothing was sent.
    if (cause === 'ECONNREFUSED')
      emit({ type: 'fail', time: Date.now(), client, seq: number, event_id, status: 0, code: cause });
    else unknown(body, event_id, user_id, number, attempt, { reason: cause ?? (err as Error).name });
  } finally {
    inFlight--;
  }
}

function unknown(
  body: string,
  event_id: string,
  user_id: string,
  number: number,
  attempt: number,
  why: { status?: number; reason: string },
): void {
  emit({ type: 'info', time: Date.now(), client, seq: number, event_id, ...why });
  if (attempt > 1) return;
  const retry = new Promise<void>((resolve) => setTimeout(resolve, RETRY_AFTER_MS)).then(() =>
    publish(body, event_id, user_id, number, 2),
  );
  pending.add(retry);
  void retry.finally(() => pending.delete(retry));
}

function tick(): void {
  if (inFlight >= MAX_IN_FLIGHT) return;
  seq++;
  const event_id = randomUUID();
  const user_id = `user-${Math.floor(random() * users)}`;
  const body = JSON.stringify({ event_id, user_id, timestamp: Date.now(), action: 'chaos', client, seq });
  const sent = publish(body, event_id, user_id, seq, 1);
  pending.add(sent);
  void sent.finally(() => pending.delete(sent));
}

const timer = setInterval(tick, Math.max(1, Math.round(1_000 / rate)));
setTimeout(async () => {
  clearInterval(timer);
  const deadline = Date.now() + REQUEST_TIMEOUT_MS + RETRY_AFTER_MS + REQUEST_TIMEOUT_MS + 1_000;
  while (pending.size > 0 && Date.now() < deadline)
    await Promise.race([...pending, new Promise((r) => setTimeout(r, 200))]);
  process.exit(0);
}, durationMs);
