import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { waitFor } from '../../../../tests/support/wait.js';
import { startProbe } from './probe.js';

describe('startProbe', () => {
  it('reports the last outcome at once: not ready when the dependency stops answering, then ready', async () => {
    let answering = true;
    const probe = startProbe(
      'redis',
      async () => {
        if (!answering) throw new Error('Command timed out');
      },
      10,
    );
    try {
      await waitFor(async () => probe.check.ok, 1_000, 'first probe');
      answering = false;
      await waitFor(async () => !probe.check.ok, 1_000, 'failure seen');
      expect(probe.check).toEqual({ name: 'redis', ok: false, detail: 'Command timed out' });
      answering = true;
      await waitFor(async () => probe.check.ok, 1_000, 'recovery seen');
    } finally {
      probe.stop();
    }
  });

  it('never runs two probes at once when one hangs', async () => {
    // Twenty probe intervals pass on a fake clock: no real waiting.
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let calls = 0;
    const probe = startProbe(
      'hung',
      () => {
        calls++;
        return new Promise(() => {});
      },
      5,
    );
    await vi.advanceTimersByTimeAsync(100);
    probe.stop();
    expect(calls).toBe(1);
    expect(probe.check).toMatchObject({ name: 'hung', ok: false });
  });

  it('turns not ready when a probe hangs past its timeout (a frozen server), ready when it answers', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let answer: (() => void) | undefined;
    let hang = false;
    const probe = startProbe(
      'kafka',
      () => (hang ? new Promise<void>((resolve) => (answer = resolve)) : Promise.resolve()),
      1_000,
      3_000,
    );
    await vi.advanceTimersByTimeAsync(1);
    expect(probe.check.ok).toBe(true);
    hang = true;
    await vi.advanceTimersByTimeAsync(3_500);
    expect(probe.check).toEqual({ name: 'kafka', ok: true });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe.check).toMatchObject({
      name: 'kafka',
      ok: false,
      detail: expect.stringMatching(/^no answer for [34]\.\d s$/),
    });
    hang = false;
    answer?.();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe.check).toEqual({ name: 'kafka', ok: true });
    probe.stop();
  });
  it('probes once per interval, and judges a hung probe past its timeout when read, with no timer for it', async () => {
    // An interval longer than the timeout: an idle service wakes once per interval, yet a frozen server
    // is reported as soon as the timeout has passed.
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let calls = 0;
    let hang = false;
    const probe = startProbe(
      'kafka',
      () => {
        calls++;
        return hang ? new Promise<void>(() => {}) : Promise.resolve();
      },
      10_000,
      3_000,
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toBe(4);
    expect(probe.check).toEqual({ name: 'kafka', ok: true });
    hang = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(5);
    await vi.advanceTimersByTimeAsync(2_900);
    expect(probe.check).toEqual({ name: 'kafka', ok: true });
    await vi.advanceTimersByTimeAsync(200);
    expect(probe.check).toEqual({ name: 'kafka', ok: false, detail: 'no answer for 3.1 s' });
    probe.stop();
  });
});
