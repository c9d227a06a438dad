import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventRecord, normalizeEvent, redisKeys } from '@eventstreamapp/event-schema';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsumer } from '../../event-consumer/test/helpers.js';
import { hashPasswordLine } from '../../event-viewer/src/http/users-file.js';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { launchChromium } from '../support/browser.js';
import { produce } from '../support/events.js';
import { createTestTopics, readTopic, type TestTopics } from '../support/kafka.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { streamEvents } from '../support/stream-events.js';
import { waitFor } from '../support/wait.js';

const operator = { username: 'olga', password: 'operator passphrase' };
const reader = { username: 'rita', password: 'reader passphrase' };
const readerToken = 'reader-token-0123456789';
const operatorToken = 'operator-token-0123456789';

function largeEvent(user: string): EventRecord {
  const event = normalizeEvent({ user_id: user, timestamp: Date.now(), note: 'x'.repeat(2_000) });
  if (!event.ok) throw new Error('the large event is valid');
  return event.value;
}

/**
 * README "Operating it", replay from the page: two events the consumer refused as too large, the cause
 * fixed (MAX_EVENT_BYTES raised), an operator replays one of them from /dlq — a dry run, then the replay
 * — and a reader can neither see nor use the control.
 */
describe('replaying a dead letter from /dlq in a real browser, with roles and an audit trail', () => {
  let topics: TestTopics;
  let redis: TestRedis;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  let browser: Browser;
  const fixed = largeEvent('fixed-user');
  const other = largeEvent('other-user');
  /** Where each dead letter sits in the dead-letter topic (one partition). */
  const offsets = new Map<string, number>();
  const keys = () => redisKeys(redis.prefix);
  const env = () => ({
    KAFKA_TOPIC: topics.events,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_GROUP_ID: topics.group,
    REDIS_KEY_PREFIX: redis.prefix,
  });

  /** How many times the live stream holds the event: once per time it was stored. */
  const timesStored = async (event: EventRecord) =>
    (await streamEvents(redis.redis, keys().eventStream)).events.filter(({ e }) => e.includes(event.event.event_id))
      .length;

  beforeAll(async () => {
    topics = await createTestTopics('browser-replay');
    redis = testRedis('browser-replay');
    consumer = await startConsumer({ ...env(), MAX_EVENT_BYTES: '1024' });
    await produce(topics.events, [fixed, other]);
    for (const letter of await readTopic(topics.dlq, 2, 60_000)) {
      for (const event of [fixed, other])
        if (letter.value!.toString().includes(event.event.event_id))
          offsets.set(event.event.event_id, Number(letter.offset));
    }
    expect(offsets.size).toBe(2);
    // The cause fixed: the consumer, and the viewer that judges replays as it does, take larger events now.
    await consumer.stop();
    consumer = await startConsumer({ ...env(), MAX_EVENT_BYTES: '4096' });
    const users = join(mkdtempSync(join(tmpdir(), 'viewer-users-')), 'users');
    writeFileSync(
      users,
      `${await hashPasswordLine(operator.username, operator.password, 'operator')}\n` +
        `${await hashPasswordLine(reader.username, reader.password)}\n`,
    );
    viewer = await startViewer({
      ...env(),
      VIEWER_USERS_FILE: users,
      VIEWER_TOKEN: readerToken,
      VIEWER_OPERATOR_TOKEN: operatorToken,
      MAX_EVENT_BYTES: '4096',
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    await consumer?.stop();
    await redis?.close();
    await topics?.remove();
  });

  const signedIn = (credentials: typeof operator) => browser.newContext({ httpCredentials: credentials });
  const rowOf = (page: Page, event: EventRecord) =>
    page.locator(`#dead-letters tr[data-offset="0:${offsets.get(event.event.event_id)}"]`);
  /** /dlq once the viewer's window holds both dead letters. */
  async function openDlq(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await waitFor(
      async () => {
        await page.goto(`${viewer.url}/dlq`);
        return (await page.locator('#dead-letters tbody tr').count()) === 2;
      },
      30_000,
      'the viewer holding both dead letters',
    );
    return page;
  }
  /** The job page once its meta refresh shows it finished. */
  async function finished(page: Page): Promise<string> {
    await page.locator('main[data-state="done"]').waitFor({ timeout: 60_000 });
    return (await page.locator('main').getAttribute('data-job'))!;
  }

  it('an operator replays a fixed dead letter from /dlq: counted, stored once, shown in the audit', async () => {
    const context = await signedIn(operator);
    const page = await openDlq(context);
    await rowOf(page, fixed).locator('button', { hasText: 'Replay…' }).click();
    await page.waitForURL(/\/dlq\/replay\/[0-9a-f-]{36}$/);
    const dryRun = await finished(page);
    expect(await page.locator('#replay-summary').textContent()).toContain(
      `the dead letter at offset ${offsets.get(fixed.event.event_id)} of partition 0`,
    );
    expect(await page.locator('[data-count="read"]').textContent()).toBe('1');
    expect(await page.locator('[data-count="replayed"]').textContent()).toBe('1');
    // A dry run sends nothing.
    expect(await timesStored(fixed)).toBe(0);

    await page.locator('#confirm-replay button', { hasText: 'Replay 1 dead letter' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(dryRun));
    const replay = await finished(page);
    expect(await page.locator('[data-count="replayed"]').textContent()).toBe('1');
    await waitFor(async () => (await timesStored(fixed)) === 1, 30_000, 'the replayed event stored');
    expect(await redis.redis.zscore(keys().eventLog, fixed.json)).not.toBeNull();
    // Only the letter chosen: the other one, fixed too, stays where it was.
    expect(await timesStored(other)).toBe(0);

    // Replaying the same letter again sends nothing: it is stored already.
    await page.goto(`${viewer.url}/dlq`);
    await rowOf(page, fixed).locator('button', { hasText: 'Replay…' }).click();
    await finished(page);
    expect(await page.locator('[data-count="replayed"]').textContent()).toBe('0');
    expect(await page.locator('[data-count="alreadyStored"]').textContent()).toBe('1');
    expect(await page.locator('#confirm-replay').count()).toBe(0);
    expect(await timesStored(fixed)).toBe(1);

    await page.goto(`${viewer.url}/audit`);
    const rows = page.locator(`#audit tr[data-job="${replay}"]`);
    expect(await rows.count()).toBe(2);
    const done = page.locator(`#audit tr[data-job="${replay}"][data-action="dlq.replay.finished"]`);
    expect(await done.textContent()).toContain('olga');
    expect(await done.textContent()).toContain('replayed 1');
    expect(await done.textContent()).toContain(
      `the dead letter at offset ${offsets.get(fixed.event.event_id)} of partition 0`,
    );
    // Dry runs change nothing, but who counted which dead letters is audited (#44, finding 3).
    const counted = page.locator(`#audit tr[data-job="${dryRun}"][data-action="dlq.dry_run.finished"]`);
    expect(await counted.textContent()).toContain('would replay 1');
    expect(await page.locator(`#audit tr[data-job="${dryRun}"][data-action="dlq.dry_run.started"]`).count()).toBe(1);
    await context.close();
  });

  it('a reader sees no replay control, and the replay endpoint answers 403 with or without a CSRF token', async () => {
    const operatorContext = await signedIn(operator);
    const operatorToken = (
      (await (
        await operatorContext.request.get(`${viewer.url}/dlq`, { headers: { accept: 'application/json' } })
      ).json()) as {
        csrfToken: string;
      }
    ).csrfToken;
    expect(operatorToken).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    await operatorContext.close();

    const context = await signedIn(reader);
    const page = await openDlq(context);
    expect(await page.locator('form[action^="/dlq/replay"]').count()).toBe(0);
    expect(await page.locator('button', { hasText: 'Replay' }).count()).toBe(0);
    const json = (await (
      await context.request.get(`${viewer.url}/dlq`, { headers: { accept: 'application/json' } })
    ).json()) as Record<string, unknown>;
    expect(json).not.toHaveProperty('csrfToken');

    const offset = String(offsets.get(other.event.event_id));
    const before = await redis.redis.xlen(keys().auditLog);
    for (const form of [
      { partition: '0', from_offset: offset },
      { partition: '0', from_offset: offset, csrf: operatorToken },
    ]) {
      const response = await context.request.post(`${viewer.url}/dlq/replay`, {
        form,
        headers: { accept: 'application/json', origin: viewer.url },
      });
      expect(response.status(), JSON.stringify(form)).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect((await context.request.get(`${viewer.url}/audit`)).status()).toBe(403);
    expect(await redis.redis.xlen(keys().auditLog)).toBe(before);
    expect(await timesStored(other)).toBe(0);
    await context.close();
  });

  it("refuses a replay from another origin, without the page's token or over 4 KiB; nothing runs", async () => {
    const context = await signedIn(operator);
    const token = (
      (await (await context.request.get(`${viewer.url}/dlq`, { headers: { accept: 'application/json' } })).json()) as {
        csrfToken: string;
      }
    ).csrfToken;
    const offset = String(offsets.get(other.event.event_id));
    const attempts = [
      { form: { partition: '0', from_offset: offset }, headers: { origin: viewer.url } },
      { form: { partition: '0', from_offset: offset, csrf: `${token.slice(1)}A` }, headers: { origin: viewer.url } },
      { form: { partition: '0', from_offset: offset, csrf: token }, headers: { origin: 'http://attacker.example' } },
      { form: { partition: '0', from_offset: offset, csrf: token }, headers: { 'sec-fetch-site': 'cross-site' } },
    ];
    for (const { form, headers } of attempts) {
      const response = await context.request.post(`${viewer.url}/dlq/replay`, {
        form,
        headers: { accept: 'application/json', ...headers },
      });
      expect(response.status(), JSON.stringify({ form, headers })).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    }
    // A body of 4 KiB is read (and refused for its stale token); one byte more is not read at all.
    for (const [bytes, status, code] of [
      [4096, 403, 'csrf_failed'],
      [4097, 400, 'bad_request'],
    ] as const) {
      const head = `partition=0&csrf=stale&pad=`;
      const response = await context.request.post(`${viewer.url}/dlq/replay`, {
        data: head + 'x'.repeat(bytes - head.length),
        headers: {
          accept: 'application/json',
          origin: viewer.url,
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      expect(response.status(), `${bytes} bytes`).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    // No GET starts anything: the path takes POST only.
    expect(
      (await context.request.get(`${viewer.url}/dlq/replay?partition=0&from_offset=${offset}&csrf=${token}`)).status(),
    ).toBe(405);
    // The same request from the page's origin with its token is taken (a dry run: it sends nothing).
    const taken = await context.request.post(`${viewer.url}/dlq/replay`, {
      form: { partition: '0', from_offset: offset, to_offset: String(Number(offset) + 1), csrf: token },
      headers: { accept: 'application/json', origin: viewer.url },
    });
    expect(taken.status()).toBe(202);
    const { job } = (await taken.json()) as { job: { id: string; dryRun: boolean } };
    expect(job.dryRun).toBe(true);
    await waitFor(
      async () => {
        const now = await context.request.get(`${viewer.url}/dlq/replay/${job.id}`, {
          headers: { accept: 'application/json' },
        });
        return ((await now.json()) as { job: { state: string } }).job.state === 'done';
      },
      30_000,
      'the dry run to end',
    );
    // Cancelling is guarded the same way, and a job that ended has nothing to cancel.
    const cancel = (csrf?: string) =>
      context.request.post(`${viewer.url}/dlq/replay/${job.id}/cancel`, {
        form: csrf ? { csrf } : {},
        headers: { accept: 'application/json', origin: viewer.url },
      });
    expect((await cancel()).status()).toBe(403);
    const ended = await cancel(token);
    expect(ended.status()).toBe(409);
    expect(((await ended.json()) as { error: { code: string } }).error.code).toBe('replay_not_running');
    expect(await timesStored(other)).toBe(0);
    await context.close();
  });

  it('the API: VIEWER_TOKEN reads, VIEWER_OPERATOR_TOKEN replays with /dlq’s CSRF token, audited', async () => {
    const as = (token: string, extra: Record<string, string> = {}) => ({
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...extra,
    });
    const dlq = async (token: string) =>
      (await (await fetch(`${viewer.url}/dlq`, { headers: as(token) })).json()) as { csrfToken?: string };
    expect(await dlq(readerToken)).not.toHaveProperty('csrfToken');
    const csrf = (await dlq(operatorToken)).csrfToken!;
    const offset = offsets.get(other.event.event_id)!;
    const selection = JSON.stringify({ partition: 0, from_offset: offset, to_offset: offset + 1 });
    const refused = await fetch(`${viewer.url}/dlq/replay`, {
      method: 'POST',
      headers: as(readerToken, { 'content-type': 'application/json', 'x-csrf-token': csrf }),
      body: selection,
    });
    expect(refused.status).toBe(403);

    /** Starts a job (a dry run, or the confirmation of one) and follows it until it ends. */
    const run = async (path: string, body: string) => {
      const started = await fetch(`${viewer.url}${path}`, {
        method: 'POST',
        headers: as(operatorToken, { 'content-type': 'application/json', 'x-csrf-token': csrf }),
        body,
      });
      expect(started.status, await started.clone().text()).toBe(202);
      const { job } = (await started.json()) as { job: { id: string } };
      return waitFor(
        async () => {
          const { job: now } = (await (
            await fetch(`${viewer.url}/dlq/replay/${job.id}`, { headers: as(operatorToken) })
          ).json()) as {
            job: { id: string; state: string; report?: { replayed: number } };
          };
          return now.state !== 'running' && now;
        },
        30_000,
        'the job to end',
      );
    };
    const dry = await run('/dlq/replay', selection);
    expect(dry).toMatchObject({ state: 'done', report: { replayed: 1 } });
    const replay = await run(`/dlq/replay/${dry.id}/confirm`, '{}');
    expect(replay).toMatchObject({ state: 'done', report: { replayed: 1 } });
    await waitFor(async () => (await timesStored(other)) === 1, 30_000, 'the other event stored');

    const audit = (await (await fetch(`${viewer.url}/audit?limit=2`, { headers: as(operatorToken) })).json()) as {
      entries: { job: string; who: string; action: string; counts?: { replayed: number } }[];
    };
    expect(audit.entries.map((e) => [e.job, e.who, e.action, e.counts?.replayed])).toEqual([
      [replay.id, 'operator-token', 'dlq.replay.finished', 1],
      [replay.id, 'operator-token', 'dlq.replay.started', undefined],
    ]);
    // Counted too: this file's two replays (the page's and this one), each done.
    const metrics = await (await fetch(`${viewer.url}/metrics`, { headers: as(operatorToken) })).text();
    const done = metrics
      .split('\n')
      .find(
        (line) =>
          line.startsWith('dlq_replays_total{') && line.includes('kind="replay"') && line.includes('outcome="done"'),
      );
    expect(done?.split(' ').at(-1)).toBe('2');
  });
});
