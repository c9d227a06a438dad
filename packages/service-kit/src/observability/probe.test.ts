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
  it('asks a dependency that does not answer every retry interval, and one that answers every interval', async () => {
    // A service starting before its broker, or waiting for it to return, is ready within a second of it answering.
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let calls = 0;
    const probe = startProbe(
      'kafka',
      async () => {
        calls++;
        if (calls <= 2) throw new Error('Connection refused');
      },
      5_000,
      3_000,
      1_000,
    );
    await vi.advanceTimersByTimeAsync(1);
    expect(probe.check).toEqual({ name: 'kafka', ok: false, detail: 'Connection refused' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(3);
    expect(probe.check).toEqual({ name: 'kafka', ok: true });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toBe(4);
    probe.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(4);
  });
  it('probes no more once stopped, even when stopped while a probe is in flight', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    let calls = 0;
    let answer: (() => void) | undefined;
    const probe = startProbe(
      'redis',
      () => {
        calls++;
        return new Promise<void>((resolve) => (answer = resolve));
      },
      1_000,
    );
    probe.stop();
    answer?.();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
  });
});
