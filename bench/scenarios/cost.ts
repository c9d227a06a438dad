import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSplit, wakeups } from '../../scripts/launcher/process-state.ts';
import { startCeilingServer } from '../lib/ceilings.js';
import { lineChartSvg } from '../lib/chart.js';
import { type MeasuredProcess, startCpuMeter } from '../lib/cpu.js';
import { clientEvent } from '../lib/events.js';
import { atFixedRate, createRefusals, hammer, postJson } from '../lib/load.js';
import { REPO_ROOT } from '../lib/paths.js';
import type { Row, Scenario } from '../lib/report.js';
import { scrapeMetrics } from '../lib/service-metrics.js';
import { brokerProcess, type RunningProcess, redisProcess, startPipeline, startService } from '../lib/stack.js';

/**
 * The paced rates, in events a second, and `saturation`; BENCH_COST_PHASES narrows them (`100`, `1000,saturation`)
 * for a profile of one. 5,000/s is sent as POSTs of BULK events (one harness cannot pace 5,000 requests).
 */
const PHASES = (process.env.BENCH_COST_PHASES ?? '100,1000,5000,saturation').split(',');
const RATES = PHASES.filter((p) => p !== 'saturation').map(Number);
const BULK = 10;

interface Phase {
  label: string;
  /** Events a second offered (0 for idle), or the rate reached at saturation. */
  rate: number;
  events: number;
  seconds: number;
  usage: Record<string, number>;
  /** Of `usage`, what the kernel spent on each process's behalf (sockets, wake-ups, page faults). */
  system: Record<string, number>;
  wakeupsPerSecond: Record<string, number>;
  /** Wake-ups of each Node process's main thread during the load. */
  wakeupCount: Record<string, number>;
}

/**
 * What the whole pipeline costs at the rates people run it (issue #42): generator, automatic generator,
 * consumer, viewer with one live page following the stream, broker and Redis, idle and at 100, 1,000 and
 * 5,000 events/s paced and at saturation. CPU-ms per 1,000 events per process and in total (the harness
 * apart), idle CPU and wake-ups a second; the broker's and Redis's cost with no client of the pipeline
 * measured first; a chart of CPU per event against rate written beside the results.
 */
export const costScenario: Scenario = async ({ quick, connections }) => {
  const seconds = quick ? 2 : 20;
  const infrastructure = [brokerProcess(), redisProcess()];
  const bare = await measure('no client', 0, infrastructure, async () => {
    await sleep(seconds * 1000);
    return 0;
  });

  const ceiling = await expressCeiling(quick ? [100] : RATES, PHASES.includes('saturation'), seconds, connections);

  const pipeline = await startPipeline('cost');
  const automatic = await startService('automatic-generator', { KAFKA_TOPIC: pipeline.id });
  const viewer = await startService('event-viewer', {
    REDIS_KEY_PREFIX: pipeline.prefix,
    KAFKA_TOPIC: pipeline.id,
    KAFKA_GROUP_ID: pipeline.id,
    KAFKA_DLQ_TOPIC: `${pipeline.id}.dlq`,
  });
  const live = followLive(viewer.url);
  const services = [pipeline.generator, automatic, pipeline.consumer, viewer];
  const processes: MeasuredProcess[] = [...services.map((s) => ({ name: s.name, pid: s.pid })), ...infrastructure];
  const refused = createRefusals();
  const publishUrl = `${pipeline.generator.url}/publish`;
  const phases: Phase[] = [];
  try {
    await sleep(quick ? 1_000 : 5_000); // the group joined, the first automatic events through
    phases.push(
      await measure('idle', 0, processes, async () => {
        await sleep(seconds * 1000);
        return 0;
      }),
    );
    for (const rate of quick ? [100] : RATES) {
      const perPost = rate >= 5_000 ? BULK : 1;
      const label = `${rate.toLocaleString('en-US')}/s${perPost > 1 ? ` (POSTs of ${perPost})` : ''}`;
      const phase = await measure(label, rate, processes, () =>
        pacedPosts(publishUrl, rate, perPost, seconds, refused),
      );
      phases.push(await drained(phase, pipeline.consumer, processes));
    }
    if (PHASES.includes('saturation')) {
      const saturated = await saturation(publishUrl, connections, seconds, processes, 'saturation');
      phases.push(await drained(saturated, pipeline.consumer, processes));
    }
  } finally {
    live.close();
    await Promise.all([automatic.stop(), viewer.stop()]);
    await pipeline.stop();
  }
  const chart = writeChart(phases, ceiling);
  return {
    parameters: { seconds, phases: PHASES, bulkAbove: BULK, connections, chart },
    errors: refused.total,
    rows: [
      ...rowsOf(bare, false),
      ...ceiling.flatMap((phase) => rowsOf(phase, true)),
      ...phases.flatMap((phase) => rowsOf(phase, phase.rate > 0)),
      ...ratioRows(phases, ceiling),
    ],
  };
};

/**
 * The ceiling: express alone answering the same POSTs with a 202 of the same size, in its own process, at
 * the same paced rates and at saturation — what any request-per-event HTTP server costs at that rate here.
 */
async function expressCeiling(
  rates: number[],
  saturate: boolean,
  seconds: number,
  connections: number,
): Promise<Phase[]> {
  const answer = JSON.stringify({ event_id: crypto.randomUUID(), ...clientEvent(0), timestamp: Date.now() });
  const server = await startCeilingServer('express', {
    status: 202,
    contentType: 'application/json; charset=utf-8',
    body: answer,
  });
  const processes = [{ name: 'express', pid: server.pid }];
  const phases: Phase[] = [];
  try {
    for (const rate of rates) {
      const perPost = rate >= 5_000 ? BULK : 1;
      const label = `ceiling express, ${rate.toLocaleString('en-US')}/s${perPost > 1 ? ` (POSTs of ${perPost})` : ''}`;
      phases.push(
        await measure(label, rate, processes, () =>
          pacedPosts(`${server.url}/publish`, rate, perPost, seconds, createRefusals()),
        ),
      );
    }
    if (saturate)
      phases.push(
        await saturation(`${server.url}/publish`, connections, seconds, processes, 'ceiling express, saturation'),
      );
  } finally {
    server.stop();
  }
  return phases;
}

/** POSTs `rate` events a second, `perPost` to a request, for `seconds`; resolves with the events answered 202. */
async function pacedPosts(
  url: string,
  rate: number,
  perPost: number,
  seconds: number,
  refused: ReturnType<typeof createRefusals>,
) {
  let acknowledged = 0;
  await atFixedRate(rate / perPost, seconds, async (i) => {
    const events = Array.from({ length: perPost }, (_, j) => clientEvent(i * perPost + j));
    const answer = await postJson(url, JSON.stringify(perPost > 1 ? events : events[0]));
    if (answer.status === 202) acknowledged += perPost;
    else refused.add(answer);
  });
  return acknowledged;
}

/** Each paced rate's CPU per event over the saturated one's: the pipeline's, beside express alone's. */
function ratioRows(phases: Phase[], ceiling: Phase[]): Row[] {
  const total = (phase: Phase) =>
    Object.entries(phase.usage)
      .filter(([name]) => name !== 'harness')
      .reduce((sum, [, ms]) => sum + ms, 0) / Math.max(phase.events, 1);
  const saturated = phases.find((p) => p.label.startsWith('saturation'));
  const expressSaturated = ceiling.find((p) => p.label.startsWith('ceiling express, saturation'));
  if (!saturated || !expressSaturated) return [];
  return phases
    .filter((p) => p.rate > 0 && p !== saturated)
    .map((phase) => {
      const express = ceiling.find((c) => c.rate === phase.rate);
      return {
        scenario: 'cost',
        measure: `${phase.label.split(' ')[0]}: CPU per event ÷ saturated`,
        value: total(phase) / total(saturated),
        unit: 'ratio',
        note: express ? `express alone: ${(total(express) / total(expressSaturated)).toFixed(2)}` : '',
      };
    });
}

/** As many single-event POSTs as `connections` keep going; the rate reached is the phase's rate. */
async function saturation(
  publishUrl: string,
  connections: number,
  seconds: number,
  processes: MeasuredProcess[],
  label: string,
): Promise<Phase> {
  const saturated = await measure(label, 0, processes, async () => {
    const load = await hammer({
      url: publishUrl,
      connections,
      durationSeconds: seconds,
      method: 'POST',
      body: JSON.stringify(clientEvent(0)),
      headers: { 'content-type': 'application/json' },
    });
    return load.requests - load.non2xx - load.errors;
  });
  saturated.rate = saturated.events / seconds;
  saturated.label = `${label} (${Math.round(saturated.rate).toLocaleString('en-US')}/s)`;
  return saturated;
}

/** Runs `load` (which returns the events it got acknowledged) while measuring CPU and wake-ups. */
async function measure(
  label: string,
  rate: number,
  processes: MeasuredProcess[],
  load: () => Promise<number>,
): Promise<Phase> {
  const readSystem = () => readEach(processes, (pid) => cpuSplit(pid).system);
  const readWakeups = () => readEach(processes, wakeups);
  const wakeupsBefore = readWakeups();
  const systemBefore = readSystem();
  const meter = startCpuMeter(processes);
  const started = performance.now();
  const events = await load();
  const elapsed = (performance.now() - started) / 1000;
  const usage = meter.stop();
  const systemAfter = readSystem();
  const system = Object.fromEntries(
    Object.keys(systemBefore).map((name) => [name, systemAfter[name]! - systemBefore[name]!]),
  );
  const wakeupsAfter = readWakeups();
  const wakeupCount = Object.fromEntries(
    Object.keys(wakeupsBefore).map((name) => [name, wakeupsAfter[name]! - wakeupsBefore[name]!]),
  );
  const wakeupsPerSecond = Object.fromEntries(
    Object.entries(wakeupCount).map(([name, count]) => [name, count / elapsed]),
  );
  return { label, rate, events, seconds: elapsed, usage, system, wakeupsPerSecond, wakeupCount };
}

/** One /proc figure of each process, by name; NaN for one that is gone. */
function readEach(processes: MeasuredProcess[], read: (pid: number) => number): Record<string, number> {
  const visible = processes.filter((p) => p.pid !== undefined);
  return Object.fromEntries(visible.map((p) => [p.name, safeRead(() => read(p.pid!))]));
}

/** A /proc read of a process that may be gone: NaN then. */
const safeRead = (read: () => number) => {
  try {
    return read();
  } catch {
    return Number.NaN;
  }
};

/**
 * The phase's CPU including the consumer's work on what it was sent: waits until the consumer's stored
 * count stops moving, and adds what every process spent meanwhile.
 */
async function drained(phase: Phase, consumer: RunningProcess, processes: MeasuredProcess[]): Promise<Phase> {
  const stored = async () => (await scrapeMetrics(consumer.url))('events_stored_total');
  const systemOf = () => readEach(processes, (pid) => cpuSplit(pid).system);
  const systemBefore = systemOf();
  const meter = startCpuMeter(processes);
  const started = performance.now();
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const now = await stored();
    if (now === last) break;
    last = now;
    await sleep(500);
  }
  const drain = meter.stop();
  const systemAfter = systemOf();
  const usage = Object.fromEntries(Object.entries(phase.usage).map(([name, ms]) => [name, ms + (drain[name] ?? 0)]));
  const system = Object.fromEntries(
    Object.entries(phase.system).map(([name, ms]) => [name, ms + (systemAfter[name] ?? 0) - (systemBefore[name] ?? 0)]),
  );
  return { ...phase, usage, system, seconds: phase.seconds + (performance.now() - started) / 1000 };
}

/** A browser's live page, as far as the viewer can tell: one open event stream, read as it comes. */
function followLive(viewerUrl: string): { close(): void } {
  const controller = new AbortController();
  void (async () => {
    try {
      const res = await fetch(`${viewerUrl}/live`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      for (;;) if ((await reader.read()).done) return;
    } catch {}
  })();
  return { close: () => controller.abort() };
}

function rowsOf(phase: Phase, perEvent: boolean): Row[] {
  const scenario = 'cost';
  const pipeline = Object.entries(phase.usage).filter(([name]) => name !== 'harness');
  const total = pipeline.reduce((sum, [, ms]) => sum + ms, 0);
  const harness = phase.usage.harness ?? 0;
  if (!perEvent) {
    // Idle: share of one core, and how often each Node process woke.
    const share = (ms: number) => (ms / (phase.seconds * 1000)) * 100;
    return [
      ...pipeline.map(([name, ms]) => {
        const rate = phase.wakeupsPerSecond[name];
        const wakes =
          rate !== undefined && name !== 'broker' && name !== 'redis' ? `${rate.toFixed(1)} wake-ups/s` : '';
        return { scenario, measure: `${phase.label}: ${name}`, value: share(ms), unit: '% core', note: wakes };
      }),
      {
        scenario,
        measure: `${phase.label}: total`,
        value: share(total),
        unit: '% core',
        note: `${phase.events} events`,
      },
    ];
  }
  const per1000 = (ms: number) => (ms * 1000) / Math.max(phase.events, 1);
  return [
    ...pipeline.map(([name, ms]) => ({
      scenario,
      measure: `${phase.label}: ${name}`,
      value: per1000(ms),
      unit: 'ms/1k ev',
      note: `kernel ${Math.round(((phase.system[name] ?? 0) / Math.max(ms, 1)) * 100)} %${wakesPerEvent(phase, name)}`,
    })),
    {
      scenario,
      measure: `${phase.label}: total`,
      value: per1000(total),
      unit: 'ms/1k ev',
      note: `${phase.events} events in ${phase.seconds.toFixed(1)} s; harness ${per1000(harness).toFixed(0)} ms/1k`,
    },
  ];
}

/** How often a Node process's main thread woke for each event (the fixed cost paced rates pay per event). */
function wakesPerEvent(phase: Phase, name: string): string {
  const count = phase.wakeupCount[name];
  if (count === undefined || Number.isNaN(count) || name === 'broker' || name === 'redis') return '';
  return `, ${(count / Math.max(phase.events, 1)).toFixed(2)} wake-ups/event`;
}

/** bench/results/cost-<time>.svg: CPU-ms per 1,000 events against events a second, total and per process. */
function writeChart(phases: Phase[], ceiling: Phase[]): string {
  const loaded = phases.filter((p) => p.rate > 0 && p.events > 0);
  const names = Object.keys(loaded[0]?.usage ?? {}).filter((name) => name !== 'harness');
  const perEvent = (phase: Phase, ms: number) => ({ x: phase.rate, y: (ms * 1000) / phase.events });
  const series = [
    {
      name: 'total',
      points: loaded.map((p) =>
        perEvent(
          p,
          names.reduce((sum, n) => sum + (p.usage[n] ?? 0), 0),
        ),
      ),
    },
    ...names.map((name) => ({ name, points: loaded.map((p) => perEvent(p, p.usage[name] ?? 0)) })),
    {
      name: 'express alone',
      points: ceiling.filter((p) => p.events > 0).map((p) => perEvent(p, p.usage.express ?? 0)),
    },
  ];
  const svg = lineChartSvg(
    'CPU per 1,000 events against rate (make bench SCENARIO=cost)',
    'events/s',
    'CPU-ms per 1,000 events',
    series,
  );
  const path = `${REPO_ROOT}bench/results/cost-${new Date().toISOString().replace(/[:.]/g, '-')}.svg`;
  mkdirSync(`${REPO_ROOT}bench/results`, { recursive: true });
  writeFileSync(path, svg);
  return path;
}
