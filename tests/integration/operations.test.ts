import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { normalizeEvent } from '@eventstreamapp/event-schema';
import type { Producer } from 'kafkajs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startConsumer } from '../../event-consumer/test/helpers.js';
import type { PipelineSnapshot } from '../../event-viewer/src/status/pipeline-status.js';
import { startViewer } from '../../event-viewer/test/helpers.js';
import { launchChromium } from '../support/browser.js';
import { makeEvents, produce } from '../support/events.js';
import { createTestTopics, type TestTopics, testKafka, withAdmin } from '../support/kafka.js';
import { REPO_ROOT } from '../support/paths.js';
import { type TestRedis, testRedis } from '../support/redis.js';
import { freePort, metricValue, waitFor } from '../support/wait.js';

const run = promisify(execFile);
const PROMETHEUS = join(REPO_ROOT, 'infra/prometheus/prometheus.sh');

/** One alert of the shipped rules, changed by `scale`: the rest of the file as shipped. */
function scaleRule(rules: string, alert: string, scale: (rule: string) => string): string {
  const [before, rule, after] = rules.split(new RegExp(`(- alert: ${alert}\\n[\\s\\S]*?)(?=\\n\\s+- alert:)`));
  const scaled = scale(rule!);
  expect(scaled, alert).not.toBe(rule);
  return `${before}${scaled}${after}`;
}

/**
 * The shipped rules with the lag alerts' thresholds and durations scaled from minutes to seconds, so the
 * test sees them fire in a real Prometheus within its budget; their expressions are the shipped ones.
 */
function scaledRules(): string {
  let rules = readFileSync(join(REPO_ROOT, 'infra/prometheus/rules.yml'), 'utf8');
  rules = scaleRule(rules, 'EventStreamAppConsumerLagHigh', (r) =>
    r.replace(/\) > 60\n/, ') > 2\n').replace(/for: 2m/, 'for: 2s'),
  );
  for (const alert of ['EventStreamAppConsumerStopped', 'EventStreamAppConsumerStalled'])
    rules = scaleRule(rules, alert, (r) => r.replace(/for: 1m/, 'for: 1s'));
  return rules;
}

/** Lag states are judged over LAG_WINDOW of samples every STATUS_SAMPLE_MS: 7 samples here. */
const LAG_WINDOW_MS = 3_000;

/** Events at about `perSecond` straight into the topic, until stopped. */
function steadyLoad(producer: Producer, topic: string, perSecond: number) {
  let seq = 0;
  let sending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const messages = Array.from({ length: perSecond / 10 }, () => {
      const result = normalizeEvent({ user_id: `u${seq % 7}`, seq: seq++, action: 'load' });
      if (!result.ok) throw new Error(result.rejection.message);
      return { key: result.value.event.user_id, value: result.value.json };
    });
    sending = sending.then(() => producer.send({ topic, acks: -1, messages }));
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await sending;
    },
  };
}

describe('operating it: /status and the lag alert in a real Prometheus, the page in Chromium', () => {
  let topics: TestTopics;
  let store: TestRedis;
  let consumer: Awaited<ReturnType<typeof startConsumer>> | undefined;
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  /** A second viewer behind a bearer token, which Prometheus scrapes with it (MONITORING=1 with credentials). */
  let guarded: Awaited<ReturnType<typeof startViewer>>;
  const SCRAPE_TOKEN = 'scrape-token-of-this-test-0123';
  let browser: Browser;
  let prometheus: { url: string; env: NodeJS.ProcessEnv; dir: string };
  const env = () => ({
    KAFKA_TOPIC: topics.events,
    KAFKA_DLQ_TOPIC: topics.dlq,
    KAFKA_GROUP_ID: topics.group,
    REDIS_KEY_PREFIX: store.prefix,
  });

  const status = async () =>
    (await (
      await fetch(`${viewer.url}/status`, { headers: { accept: 'application/json' } })
    ).json()) as PipelineSnapshot;

  beforeAll(async () => {
    topics = await createTestTopics('operations');
    store = testRedis('operations');
    consumer = await startConsumer(env());
    viewer = await startViewer({ ...env(), STATUS_SAMPLE_MS: '500', LAG_WINDOW: `${LAG_WINDOW_MS}ms` });
    guarded = await startViewer({ REDIS_KEY_PREFIX: store.prefix, VIEWER_TOKEN: SCRAPE_TOKEN }, false);
    browser = await launchChromium();
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(dir, 'rules.yml'), scaledRules());
    const port = await freePort();
    const host = (url: string) => new URL(url).host;
    const promEnv = {
      ...process.env,
      PROMETHEUS_PORT: String(port),
      PROMETHEUS_DIR: dir,
      PROMETHEUS_RULES: join(dir, 'rules.yml'),
      PROMETHEUS_INTERVAL: '1s',
      PROMETHEUS_TARGETS: `${host(viewer.url)},${host(consumer.opsUrl!)},${host(guarded.url)}`,
      VIEWER_TOKEN: SCRAPE_TOKEN,
    };
    await run('bash', [PROMETHEUS, 'start'], { env: promEnv });
    prometheus = { url: `http://127.0.0.1:${port}`, env: promEnv, dir };
  });

  afterAll(async () => {
    if (prometheus) {
      await run('bash', [PROMETHEUS, 'stop'], { env: prometheus.env });
      rmSync(prometheus.dir, { recursive: true, force: true });
    }
    await browser?.close();
    await viewer?.stop();
    await guarded?.stop();
    await consumer?.stop();
    await store?.close();
    await topics?.remove();
  });

  const firing = (alertname: string) =>
    waitFor(
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: { alertname: string; group?: string; partition?: string }; state: string }[] };
        };
        return body.data.alerts.find((a) => a.labels.alertname === alertname && a.state === 'firing');
      },
      45_000,
      `${alertname} firing in Prometheus`,
    );
  const states = async () => (await status()).partitions?.map((p) => p.state).join(',');

  it('shows lag rise and fall, judged as Burrow does: ok, stop, rewind, stall, ok; quiet is not stop; alerts fire', {
    timeout: 240_000,
  }, async () => {
    const producer = testKafka().producer();
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const load = steadyLoad(producer, topics.events, 200);
    onTestFinished(() => load.stop());

    // Caught up, one member holding every partition.
    await waitFor(
      async () => {
        const s = await status();
        return (
          s.group?.members.length === 1 &&
          s.partitions?.every((p) => p.member !== null && p.state === 'ok') &&
          (s.storedPerSecond ?? 0) > 0 &&
          s
        );
      },
      30_000,
      'the consumer holding every partition and storing',
    );
    const page = await browser.newPage();
    await page.goto(`${viewer.url}/status`);
    const shownLag = async () => Number((await page.locator('#lag-records').textContent())?.replace(/\D/g, ''));
    expect(await page.locator('#lag tbody tr').count()).toBe(3);

    await consumer!.stop();
    consumer = undefined;
    const stalled = await waitFor(
      async () => {
        const s = await status();
        return s.lag && s.lag.records > 400 && s.lag.seconds > 2 && s;
      },
      30_000,
      'lag growing while nobody consumes',
    );
    expect(stalled.group?.members).toEqual([]);
    expect(stalled.partitions!.every((p) => p.member === null)).toBe(true);
    // The page was loaded before the stop: it updates itself.
    await waitFor(async () => (await shownLag()) > 400, 15_000, 'the page showing the lag');
    expect(await metricValue(viewer.url, 'kafka_group_lag_records')).toBeGreaterThan(400);

    const lagHigh = await firing('EventStreamAppConsumerLagHigh');
    expect(lagHigh.labels.group).toBe(topics.group);

    // Judged as Burrow judges: nobody holds the partitions and their offsets do not move while records wait.
    await waitFor(async () => (await states()) === 'stop,stop,stop', 15_000, 'every partition judged STOP');
    const stopped = await firing('EventStreamAppConsumerStopped');
    expect(stopped.labels.group).toBe(topics.group);
    expect((await status()).partitions![0]!.stateReason).toMatch(
      /^no member holds it and its offset has not moved for \d+ s/,
    );
    expect(await (await fetch(`${viewer.url}/metrics`)).text()).toMatch(
      /^kafka_group_lag_state\{[^}]*partition="0",state="stop"[^}]*\} 1$/m,
    );

    // An offset reset while the group is empty: the committed offsets go back. kafkajs resets through a
    // member of its own, which can take longer than the window: the states are watched from before it.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.add((await states()) ?? '');
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await withAdmin(async (admin) => {
      const ends = await admin.fetchTopicOffsets(topics.events);
      await admin.setOffsets({
        groupId: topics.group,
        topic: topics.events,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.low })),
      });
    });
    await waitFor(async () => seen.has('rewind,rewind,rewind'), 15_000, 'every partition judged REWIND');
    watching = false;
    await watcher;

    // A member that holds the partitions and stores nothing (its Redis does not answer): STALL, not STOP.
    const stuck = await startConsumer({ ...env(), REDIS_URL: 'redis://127.0.0.1:1' });
    await waitFor(async () => (await states()) === 'stall,stall,stall', 30_000, 'every partition judged STALL');
    const stallAlert = await firing('EventStreamAppConsumerStalled');
    expect(stallAlert.labels.group).toBe(topics.group);
    await stuck.stop();

    consumer = await startConsumer(env());
    await waitFor(
      async () => {
        const s = await status();
        return s.lag && s.lag.records < 100 && s.group?.members.length === 1;
      },
      60_000,
      'lag falling once a consumer is back',
    );
    await waitFor(async () => (await shownLag()) < 100, 15_000, 'the page showing the lag fall');
    expect(await page.locator('#lag tbody td.state-stall, #lag tbody td.state-stop').count()).toBe(0);

    // A slow topic: nothing new for longer than the window, the group caught up — judged OK, never STOP.
    await load.stop();
    await waitFor(async () => (await status()).lag?.records === 0, 30_000, 'the group caught up');
    const quietSince = Date.now();
    const quiet = await waitFor(
      async () => {
        const s = await status();
        return Date.parse(s.at) > quietSince + 2 * LAG_WINDOW_MS && s;
      },
      15_000,
      'two windows of samples with nothing new',
    );
    expect(quiet.partitions!.map((p) => [p.state, p.lagRecords])).toEqual([
      ['ok', 0],
      ['ok', 0],
      ['ok', 0],
    ]);
  });

  it('scrapes a viewer behind credentials with VIEWER_TOKEN: its target is up, its gauges in Prometheus', async () => {
    const instance = new URL(guarded.url).host;
    expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
    const target = await waitFor(
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { labels: { instance: string }; health: string; lastError: string }[] };
        };
        const found = body.data.activeTargets.find((t) => t.labels.instance === instance);
        return found?.health !== 'unknown' && found;
      },
      30_000,
      'the guarded viewer scraped',
    );
    expect(target).toMatchObject({ health: 'up', lastError: '' });
    const query = async (expr: string) =>
      (
        (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        }
      ).data.result;
    expect((await query(`up{instance="${instance}"}`))[0]?.value[1]).toBe('1');
    await waitFor(
      async () => (await query(`live_clients_max{instance="${instance}"}`)).length === 1,
      15_000,
      'a viewer gauge',
    );
  });

  it('with three consumers, their summed consumer_lag is the group’s lag, each partition counted once', async () => {
    const three = await createTestTopics('operations-three');
    onTestFinished(() => three.remove());
    await produce(three.events, makeEvents(300, 30));
    // The group has committed a third of each partition before: its lag is what lies past those commits,
    // not the records held — a lag that ignored committed offsets would read them all. (The records held
    // are counted, not assumed: a producer's retry under load may have written some twice.)
    const { held: recordsHeld, committed: committedBefore } = await withAdmin(async (admin) => {
      const ends = await admin.fetchTopicOffsets(three.events);
      const partitions = ends.map((p) => ({ partition: p.partition, offset: String(Math.floor(Number(p.high) / 3)) }));
      await admin.setOffsets({ groupId: three.group, topic: three.events, partitions });
      return {
        held: ends.reduce((sum, p) => sum + Number(p.high), 0),
        committed: partitions.reduce((sum, p) => sum + Number(p.offset), 0),
      };
    });
    expect(recordsHeld).toBeGreaterThanOrEqual(300);
    expect(committedBefore).toBeGreaterThan(recordsHeld / 4);
    // No Redis answers: the members hold their partitions and store nothing, so the lag stands still.
    const members = await Promise.all(
      [1, 2, 3].map(() =>
        startConsumer({
          KAFKA_TOPIC: three.events,
          KAFKA_DLQ_TOPIC: three.dlq,
          KAFKA_GROUP_ID: three.group,
          REDIS_URL: 'redis://127.0.0.1:1',
        }),
      ),
    );
    onTestFinished(() => Promise.all(members.map((m) => m.stop())).then(() => undefined));
    const groupLag = () =>
      withAdmin(async (admin) => {
        const ends = await admin.fetchTopicOffsets(three.events);
        const [committed] = await admin.fetchOffsets({ groupId: three.group, topics: [three.events] });
        return ends.reduce((sum, p) => {
          const c = Number(committed!.partitions.find((o) => o.partition === p.partition)?.offset ?? -1);
          return sum + Number(p.high) - (c < 0 ? Number(p.low) : c);
        }, 0);
      });
    // A member that holds no partition yet has no consumer_lag series at all.
    const lagOf = async (url: string) => metricValue(url, 'consumer_lag').catch(() => 0);
    const summed = async () => (await Promise.all(members.map((m) => lagOf(m.opsUrl!)))).reduce((a, b) => a + b, 0);
    const expected = recordsHeld - committedBefore;
    expect(await groupLag()).toBe(expected);
    await waitFor(
      async () => (await summed()) === expected,
      60_000,
      `the three members reporting ${expected} records of lag`,
    );
    expect(await groupLag()).toBe(expected);
    const held = await Promise.all(
      members.map(async (m) =>
        [
          ...(await (await fetch(`${m.opsUrl}/metrics`)).text()).matchAll(/^consumer_lag\{[^}]*partition="(\d+)"/gm),
        ].map((x) => x[1]),
      ),
    );
    expect(held.flat().sort()).toEqual(['0', '1', '2']);
  });
});
